import { loadConfig, runService } from '@orderpulse/service-kit';

import { NotificationConfig } from './config';

runService('notification', loadConfig(NotificationConfig, process.env), async () => ({}));
