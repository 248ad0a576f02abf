import { loadConfig, runService } from '@orderpulse/service-kit';

import { OrderConfig } from './config';

runService('order', loadConfig(OrderConfig, process.env), async () => ({}));
