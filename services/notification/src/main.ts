import { loadConfig, runService } from '@orderpulse/service-kit';

import { NotificationConfig } from './config';
import { wireNotificationService } from './notification-service';

const config = loadConfig(NotificationConfig, process.env);
runService('notification', config, (platform) => wireNotificationService(platform, config));
