/**
 * One order across every service: its events on every topic and dead-letter topic, its state
 * changes, the response countdown, each push and its tries, its media. For SRE and support: the
 * answer to "why was this customer not told?". Read over HTTP from the services and from Kafka;
 * it writes nothing.
 */
export { collectTimeline, type TimelineSources } from './collect';
export {
  buildTimeline,
  countdownEntry,
  formatTimeline,
  pushEntries,
  type LoggedPush,
  type OrderTimeline,
  type TimelineEntry,
  type TimelineSource,
} from './timeline';
