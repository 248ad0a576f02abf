// eslint-disable-next-line no-restricted-imports -- OpenTelemetry must load before the modules it instruments
import '@orderpulse/telemetry/register';
import { loadConfig, runService } from '@orderpulse/service-kit';

import { OrderConfig } from './config';
import { wireOrderService } from './order-service';

const config = loadConfig(OrderConfig, process.env);
runService('order', config, (platform) => wireOrderService(platform, config));
