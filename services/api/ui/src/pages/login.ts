import { ApiRequestError, clearCredential, request, saveCredential } from '../api-client.ts';
import type { Credential } from '../api-client.ts';
import { field, h, replace } from '../dom.ts';
import type { Me } from '../types.ts';

/**
 * Sign in with an API key (cwk_…) or an OIDC access token pasted from the
 * identity provider. The credential is checked against GET /me before it is
 * kept, and only in sessionStorage: closing the tab signs out.
 */
export function renderLogin(main: HTMLElement, onSignedIn: (me: Me) => void, notice?: string): void {
  const secret = h('input', { type: 'password', name: 'credential', autocomplete: 'off', spellcheck: 'false', required: true, class: 'wide' });
  const kindKey = h('input', { type: 'radio', name: 'kind', value: 'apiKey', id: 'kind-api-key', checked: true });
  const kindToken = h('input', { type: 'radio', name: 'kind', value: 'bearer', id: 'kind-bearer' });
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');

  const form = h(
    'form',
    { class: 'login-form', 'aria-describedby': 'login-help' },
    h(
      'fieldset',
      { class: 'inline' },
      h('legend', null, 'Credential type'),
      h('span', { class: 'choice' }, kindKey, h('label', { for: kindKey.id }, 'API key')),
      h('span', { class: 'choice' }, kindToken, h('label', { for: kindToken.id }, 'OIDC access token')),
    ),
    field('API key or token', secret, 'API keys start with cwk_. The credential stays in this tab only.'),
    error,
    submit,
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = secret.value.trim();
    if (value === '') {
      error.textContent = 'Paste an API key or a token first.';
      secret.focus();
      return;
    }
    const credential: Credential = { kind: kindToken.checked ? 'bearer' : 'apiKey', value };
    submit.disabled = true;
    error.textContent = '';
    request<Me>('GET', '/me', { credential })
      .then((me) => {
        saveCredential(credential);
        onSignedIn(me);
      })
      .catch((err: unknown) => {
        clearCredential();
        error.textContent =
          err instanceof ApiRequestError && err.status === 401 ? `Not accepted: ${err.message}.` : `Could not sign in: ${err instanceof Error ? err.message : String(err)}`;
        secret.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });

  replace(
    main,
    h(
      'div',
      { class: 'login' },
      h('h1', null, 'Sign in to chartwatch'),
      h('p', { id: 'login-help', class: 'muted' }, 'Alerts, investigations and vendor oversight for EHR access audit logs.'),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      form,
    ),
  );
  secret.focus();
}
