import { AuditCaseEscalated, AuditCaseOpened, AuditPassed, AuditResubmissionFailed } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { notify } from '../../domain/use-cases/notify.use-case';
import type { NotificationPorts } from '../../domain/use-cases/ports';

/** The audit service's case events: the docking person, the lead on escalation, the handler on the outcome. */
export function auditEventHandlers(ports: NotificationPorts) {
  return [
    on(AuditCaseOpened, (event) => notify(ports, { id: event.id, type: 'audit.case-opened', data: event.data })),
    on(AuditCaseEscalated, (event) => notify(ports, { id: event.id, type: 'audit.case-escalated', data: event.data })),
    on(AuditResubmissionFailed, (event) =>
      notify(ports, { id: event.id, type: 'audit.resubmission-failed', data: event.data }),
    ),
    on(AuditPassed, (event) => notify(ports, { id: event.id, type: 'audit.passed', data: event.data })),
  ];
}
