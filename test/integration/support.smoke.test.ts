import { expect, it } from 'vitest';
import { describeWithEngine, startTestContainer } from './support.js';

describeWithEngine('test container support', () => {
  it('boots systemd as PID 1 and runs commands as data', async () => {
    await using container = await startTestContainer();
    const pid1 = await container.target.exec(['ps', '-p', '1', '-o', 'comm=']);
    expect(pid1.stdout.trim()).toBe('systemd');
    const failing = await container.target.exec(['sh', '-c', 'echo oops >&2; exit 7']);
    expect(failing).toMatchObject({ exitCode: 7, stderr: 'oops\n' });
  });
});
