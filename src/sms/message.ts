// The text of a verification SMS. Its last line is the WebOTP / SMS Retriever form, so browsers
// and Android offer the code to the page on that host by themselves.

export function verificationMessage(appName: string, code: string, host: string): string {
  return `${appName}: your verification code is ${code}. It expires soon; don't share it.\n\n@${host} #${code}`;
}

/** The code in a message we wrote (dev inbox highlighting, tests). */
export function codeInMessage(body: string): string | null {
  return /#(\d{6})\s*$/.exec(body)?.[1] ?? null;
}
