import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskNumbers } from '../../src/logger.js';

// Log lines never carry a full phone number, even from a database error's extra fields.

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { lines, logger: createLogger('debug', stream) };
}

describe('logger', () => {
  it('drops driver details and masks numbers in error messages and stacks', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('duplicate key for +12025552368'), {
      code: '23505', detail: 'Key (verified_phone_number)=(+12025552368) already exists.',
    });
    logger.error({ err: error }, 'request failed');
    const text = lines.join('');
    expect(text).not.toContain('12025552368');
    expect(text).toContain('23505');
    expect(text).toContain('duplicate key for +1***68');
  });

  it('redacts authorization headers, cookies, codes and tokens', () => {
    const { lines, logger } = capture();
    logger.info({ req: { method: 'GET', url: '/v1/me?__clerk_db_jwt=secret', headers: { authorization: 'Bearer tok' } }, code: '123456', token: 'abc' }, 'x');
    const text = lines.join('');
    for (const secret of ['secret', 'tok', '123456', 'abc']) expect(text).not.toContain(`"${secret}"`);
    expect(text).not.toContain('__clerk_db_jwt');
  });

  it('maskNumbers keeps short numbers and masks long digit runs', () => {
    expect(maskNumbers('took 1500 ms')).toBe('took 1500 ms');
    expect(maskNumbers('to 447700900123')).toBe('to 44***23');
  });
});
