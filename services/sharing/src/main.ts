import { loadConfig, runService } from '@orderpulse/service-kit';

import { SharingConfig } from './config';
import { wireSharingService } from './sharing-service';

const config = loadConfig(SharingConfig, process.env);
runService('sharing', config, (platform) => wireSharingService(platform, config));
