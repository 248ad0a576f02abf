import type { Answer } from './api.js';

/** The order as the order service shows it to a terminal (`OrderView` in docs/openapi.json). */
export type OrderView = Answer<'/api/order/v1/orders/{id}', 'get'>;

/** A store's menu and hours. */
export type Store = Answer<'/api/order/v1/stores/{id}', 'get'>;

/** An audit case as the audit desk lists it (`GET /v1/audit/cases`). */
export type AuditCaseView = Answer<'/api/audit/v1/audit/cases', 'get'>['cases'][number];
