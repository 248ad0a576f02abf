// eslint-disable-next-line no-restricted-imports -- OpenTelemetry must load before the modules it instruments
import '@orderpulse/telemetry/register';
import { loadConfig, runService } from '@orderpulse/service-kit';

import { SharingConfig, sharingRenamedKeys } from './config';
import { wireSharingService } from './sharing-service';

const config = loadConfig(SharingConfig, process.env, sharingRenamedKeys);
runService('sharing', config, (platform) => wireSharingService(platform, config));
