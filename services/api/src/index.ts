export { buildApi, registeredRoutes, DOCS_PREFIX } from './app.ts';
export { DASHBOARD_PATH } from './ui-plugin.ts';
export type { ApiApp, ApiDeps, RegisteredRoute } from './app.ts';
export { apiConfigFromEnv } from './config.ts';
export type { ApiConfig, ApiConfigOptions, OidcConfig, WebhookConfig } from './config.ts';
export { ApiError } from './errors.ts';
export type { ApiErrorCode, ErrorBody } from './errors.ts';
export { ROLES, ROUTE_PERMISSIONS, NAME_ROLES, PUBLIC, allowedRoles, isAllowed, isPublicRoute, canSeeNames, isRole } from './permissions.ts';
export type { Role, RouteId } from './permissions.ts';
export { createApiMetrics } from './metrics.ts';
export type { ApiMetrics } from './metrics.ts';
export {
  WebhookDispatcher,
  createWebhookDispatcher,
  signWebhook,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  ATTEMPT_HEADER,
} from './webhooks.ts';
export type { WebhookDispatcherOptions, DeliveryOutcome } from './webhooks.ts';
export { createWebhookFeed, createIncidentFeed, webhookGroupId, WEBHOOK_GROUP_PREFIX } from './webhook-feed.ts';
export type { WebhookFeed, WebhookFeedOptions, IncidentFeedOptions } from './webhook-feed.ts';
export { kafkaConsumerLag } from './consumer-lag.ts';
export type { ConsumerLagSource, PartitionLag } from './consumer-lag.ts';
export { runApiKeyCommand, API_KEY_USAGE } from './cli/api-key.ts';
export type { ApiKeyCommandDeps } from './cli/api-key.ts';
export { createApiKey, listKeys, revokeKey } from './auth/key-admin.ts';
export type { ApiKeyView } from './auth/key-admin.ts';
export { generateApiKey, hashApiKey, API_KEY_PATTERN } from './auth/api-key.ts';
export { createAuthenticator } from './auth/authenticator.ts';
export type { Authenticator, AuthenticatorOptions } from './auth/authenticator.ts';
export { AuditTrail } from './audit-trail.ts';
export type { AuditTrailOptions } from './audit-trail.ts';
export { isSuppressed, matchingSuppressions, activeSuppressions } from '@chartwatch/store';
export type { Suppression } from '@chartwatch/store';
