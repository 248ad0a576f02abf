import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const services = join(__dirname, '..', '..', 'services');
const names = readdirSync(services).filter((name) => statSync(join(services, name, 'src')).isDirectory());

/** The files of a service's folder (not its subfolders), or none when it has no such folder. */
function filesIn(service: string, folder: string): string[] {
  const dir = join(services, service, 'src', folder);
  try {
    return readdirSync(dir).filter((entry) => statSync(join(dir, entry)).isFile());
  } catch {
    return [];
  }
}

// docs/architecture.md, "One service's folders": every service has the same layout, and a file's
// name says its role.
describe('every service has the same folders, and its files are named by their role', () => {
  test.each(names)('%s: the process, its config and its composition root, then the four folders', (name) => {
    const top = readdirSync(join(services, name, 'src')).sort();
    expect(top.filter((entry) => entry.endsWith('.ts'))).toEqual(['config.ts', `${name}-service.ts`, 'main.ts'].sort());
    const folders = top.filter((entry) => !entry.endsWith('.ts'));
    expect(folders).toEqual(expect.arrayContaining(['data-access', 'domain', 'entry-points']));
    expect(folders.every((folder) => ['data-access', 'domain', 'entry-points', 'providers'].includes(folder))).toBe(
      true,
    );
    expect(filesIn(name, 'domain/use-cases')).toContain('ports.ts');
  });

  test.each(names)('%s: use cases, consumers, jobs, reconcilers and routes by their suffixes', (name) => {
    const misnamed = [
      ...filesIn(name, 'domain/use-cases').filter((file) => !file.endsWith('.use-case.ts') && file !== 'ports.ts'),
      ...filesIn(name, 'entry-points/kafka').filter((file) => !file.endsWith('.consumer.ts')),
      ...filesIn(name, 'entry-points/jobs').filter((file) => !/\.(job|reconciler)\.ts$/.test(file)),
      ...filesIn(name, 'entry-points/http').filter((file) => !/(\.routes|-view)\.ts$|^(api|schemas)\.ts$/.test(file)),
      ...filesIn(name, 'data-access').filter((file) => file.endsWith('-repository.ts') || file.endsWith('.repo.ts')),
    ];
    expect(misnamed).toEqual([]);
  });
});
