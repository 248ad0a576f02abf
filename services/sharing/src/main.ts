import { loadConfig, runService } from '@orderpulse/service-kit';

import { SharingConfig } from './config';

runService('sharing', loadConfig(SharingConfig, process.env), async () => ({}));
