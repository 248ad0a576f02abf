import { loadConfig, runService } from '@orderpulse/service-kit';

import { MediaConfig } from './config';

runService('media', loadConfig(MediaConfig, process.env), async () => ({}));
