import { loadConfig, runService } from '@orderpulse/service-kit';

import { AuditConfig } from './config';

runService('audit', loadConfig(AuditConfig, process.env), async () => ({}));
