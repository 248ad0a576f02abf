// eslint-disable-next-line no-restricted-imports -- OpenTelemetry must load before the modules it instruments
import '@orderpulse/telemetry/register';
import { loadConfig, runService } from '@orderpulse/service-kit';

import { wireAuditService } from './audit-service';
import { AuditConfig } from './config';

const config = loadConfig(AuditConfig, process.env);
runService('audit', config, (platform) => wireAuditService(platform, config));
