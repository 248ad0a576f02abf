// eslint-disable-next-line no-restricted-imports -- OpenTelemetry must load before the modules it instruments
import '@orderpulse/telemetry/register';
import { loadConfig, runService } from '@orderpulse/service-kit';

import { NotificationConfig } from './config';
import { wireNotificationService } from './notification-service';

const config = loadConfig(NotificationConfig, process.env);
runService('notification', config, (platform) => wireNotificationService(platform, config));
