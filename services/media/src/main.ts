// eslint-disable-next-line no-restricted-imports -- OpenTelemetry must load before the modules it instruments
import '@orderpulse/telemetry/register';
import { loadConfig, runService } from '@orderpulse/service-kit';

import { MediaConfig } from './config';
import { wireMediaService } from './media-service';

const config = loadConfig(MediaConfig, process.env);
runService('media', config, (platform) => wireMediaService(platform, config));
