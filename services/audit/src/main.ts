import { loadConfig, runService } from '@orderpulse/service-kit';

import { wireAuditService } from './audit-service';
import { AuditConfig } from './config';

const config = loadConfig(AuditConfig, process.env);
runService('audit', config, (platform) => wireAuditService(platform, config));
