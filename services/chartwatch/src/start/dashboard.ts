import type { ApiApp } from '@chartwatch/api';
import { ROUTE_PERMISSIONS, isPublicRoute, registeredRoutes } from '@chartwatch/api';
// Not exported by @chartwatch/api yet (the dashboard is landing): reached by
// path, as test/browser/harness.ts does, until buildApi registers it itself.
import { UI_ROUTE_ID, uiPlugin } from '../../../api/src/ui-plugin.ts';

export const DASHBOARD_PATH = '/ui/';

/**
 * Makes sure the API serves the dashboard. Once buildApi registers the
 * dashboard and permissions.ts lists its route id as public, this does
 * nothing; until then it does both, in this process only.
 */
export async function ensureDashboard(app: ApiApp): Promise<void> {
  if (!isPublicRoute(UI_ROUTE_ID)) (ROUTE_PERMISSIONS as Record<string, unknown>)[UI_ROUTE_ID] = 'public';
  if (!registeredRoutes(app).some((r) => r.routeId === UI_ROUTE_ID)) await app.register(uiPlugin);
}
