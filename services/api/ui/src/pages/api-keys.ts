import { apiGet, apiPost, errorText, request } from '../api-client.ts';
import { announce, field, h, replace, section } from '../dom.ts';
import { localTime } from '../local-time.ts';
import type { PageContext } from '../router.ts';
import type { ApiKeyView } from '../types.ts';

const ROLES = ['analyst', 'privacy_officer', 'vendor_manager', 'auditor', 'admin'] as const;

/** API keys (admins): who holds which role, a new key shown once, revoke. */
export async function apiKeysPage(ctx: PageContext): Promise<void> {
  const { main, me, signal } = ctx;
  const tz = me.timezone;
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 128, autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const created = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline-form', 'aria-label': 'New API key' }, field('Name (who holds it)', name), field('Role', role), h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create key')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    apiPost<ApiKeyView & { key: string }>('/api-keys', { name: name.value.trim(), role: role.value })
      .then(async (k) => {
        name.value = '';
        replace(
          created,
          h(
            'div',
            { class: 'notice', 'data-testid': 'new-key' },
            h('p', null, `Key for ${k.name} (${k.role}). It is shown this once: give it to its holder now.`),
            h('code', { class: 'secret' }, k.key),
          ),
        );
        await load();
      })
      .catch((err: unknown) => replace(created, h('p', { class: 'error', role: 'alert' }, `Could not create the key: ${errorText(err)}`)));
  });

  async function load(): Promise<void> {
    let keys: ApiKeyView[];
    try {
      keys = (await apiGet<{ items: ApiKeyView[] }>('/api-keys')).items;
    } catch (err) {
      replace(list, h('p', { class: 'error', role: 'alert' }, `Could not load the keys: ${errorText(err)}`));
      return;
    }
    if (signal.aborted) return;
    const byId = new Map(keys.map((k) => [`key:${k.keyId}`, k.name]));
    const who = (id: string): string => (id === '' ? '—' : (byId.get(id) ?? id));
    replace(
      list,
      h(
        'table',
        { class: 'table compact', 'data-testid': 'key-table' },
        h('caption', { class: 'visually-hidden' }, 'API keys'),
        h('thead', null, h('tr', null, ['Name', 'Role', 'Key id', 'Created', 'By', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          keys.map((k) => {
            const revoke = k.revokedAt === null && `key:${k.keyId}` !== me.id ? h('button', { type: 'button', class: 'small-button' }, 'Revoke') : null;
            revoke?.addEventListener('click', () => {
              if (!window.confirm(`Revoke the key of ${k.name}? It stops working at once here, within 30 s elsewhere.`)) return;
              request('DELETE', `/api-keys/${encodeURIComponent(k.keyId)}`)
                .then(async () => {
                  announce(`Revoked ${k.name}'s key.`);
                  await load();
                })
                .catch((err: unknown) => announce(`Could not revoke: ${errorText(err)}`));
            });
            return h(
              'tr',
              { 'data-key-id': k.keyId },
              h('td', null, k.name),
              h('td', null, k.role),
              h('td', null, h('code', null, k.keyId)),
              h('td', { class: 'nowrap' }, localTime(k.createdAt, tz, { short: true })),
              h('td', null, who(k.createdBy)),
              h('td', null, k.revokedAt === null ? 'active' : h('span', null, 'revoked ', localTime(k.revokedAt, tz, { short: true }))),
              h('td', null, revoke),
            );
          }),
        ),
      ),
    );
  }

  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'API keys')), section('New key', 'new-key-title', form, created), section('Keys', 'keys-title', list));
  await load();
}
