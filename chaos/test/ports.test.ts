import fs from 'node:fs';

import { defaultPorts } from '../src/system';

/** The kernel's ephemeral range, where outgoing connections take their source ports (Linux's default when unreadable). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: its default is still the one to stay clear of
  }
  return [32768, 60999];
}

describe("the fault suite's ports", () => {
  it('lie outside the ephemeral range, so a part it restarts finds its port free', () => {
    const [low, high] = ephemeralRange();
    const { httpBase, ...parts } = defaultPorts;
    // The services and stand-ins use httpBase and the next 19 ports.
    const used = [...Object.values(parts), ...Array.from({ length: 20 }, (_, i) => httpBase + i)];
    expect(used.filter((port) => port >= low && port <= high)).toEqual([]);
  });
});
