import { describe, expect, it } from 'vitest';
import { codeInMessage, verificationMessage } from '../../src/sms/message.js';
import { addNumber, bapi, fapi, newSignedInUser } from '../helpers/fapi.js';
import { startTestServer } from '../helpers/server.js';

// The verification SMS: the app's name and the code, and last the WebOTP / SMS Retriever line
// `@<host> #<code>` that lets browsers and Android offer the code to the page by themselves.

describe('verification message', () => {
  it('names the app, carries the code, and ends with "@host #code" on its own line', () => {
    const text = verificationMessage('Acme', '042917', 'accounts.acme.test');
    expect(text.startsWith('Acme: ')).toBe(true);
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('@accounts.acme.test #042917');
    expect(lines[0]).toContain('042917');
    expect(codeInMessage(text)).toBe('042917');
  });

  it('the server writes it with APP_NAME and the host of PUBLIC_URL (no port, no scheme)', async () => {
    const server = await startTestServer({ APP_NAME: 'Acme Cloud', PUBLIC_URL: 'https://accounts.acme.test:8443' });
    // PUBLIC_URL names the public host; the test talks to the port the server really listens on.
    const { port } = server.server.fapi.server.address() as { port: number };
    const t = { ...server, fapiUrl: `http://127.0.0.1:${port}` };
    try {
      const { token } = await newSignedInUser(t);
      const phone = '+12025559001';
      const id = await addNumber(t, token, phone);
      await fapi(t, 'POST', `/v1/me/phone_numbers/${id}/prepare_verification`, { token, form: { strategy: 'phone_code' } });
      let body: string | undefined;
      for (let i = 0; i < 100 && !body; i++) {
        body = (await bapi(t, 'GET', `/v1/dev/sms_messages?phone_number=${encodeURIComponent(phone)}`)).body[0]?.body;
        if (!body) await new Promise((r) => setTimeout(r, 20));
      }
      expect(body).toMatch(/^Acme Cloud: /);
      expect(body!.split('\n').at(-1)).toMatch(/^@accounts\.acme\.test #\d{6}$/);
    } finally {
      await server.close();
    }
  });
});
