import { createServer } from 'node:net';
import type { ApiApp } from '@chartwatch/api';
import { ChartwatchError } from '@chartwatch/errors';

/** Ports tried after the first one before giving up. */
export const PORT_ATTEMPTS = 20;

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Listens on `port` or, when it is taken, the next free one (a newcomer
 * often has something on 8080 already). Port 0 lets the system choose.
 * Returns the base URL, e.g. http://127.0.0.1:8081.
 */
export async function listenOnFreePort(app: ApiApp, host: string, port: number): Promise<string> {
  if (port === 0) return app.listen({ host, port });
  for (let p = port; p < Math.min(65_536, port + PORT_ATTEMPTS); p++) {
    if (!(await portIsFree(host, p))) continue;
    try {
      return await app.listen({ host, port: p });
    } catch (err) {
      // Taken between the probe and the listen: try the next one.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new ChartwatchError('CW_ERR_CONFIG', `ports ${port}-${port + PORT_ATTEMPTS - 1} on ${host} are all in use: pass --port N (or --port 0 for any free port)`);
}
