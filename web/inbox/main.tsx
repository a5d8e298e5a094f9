import { Fragment, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { readBoot, type Boot } from '../shared/boot.js';
import { copyText } from '../shared/copy.js';
import { useTick } from '../shared/hooks.js';
import { displayPhone } from '../shared/phone.js';

// The development SMS inbox: every message the dev provider "sent", newest first, kept live by a
// server-sent event stream from this same origin, with each code highlighted and one click to copy.

interface Message {
  id: string;
  to: string;
  body: string;
  status: string;
  tries: number;
  created_at: number;
  sent_at: number | null;
  code: string | null;
}

type Connection = 'connecting' | 'live' | 'reconnecting';

const STREAM_PATH = '/v1/dev/sms_messages/stream';

function relativeTime(ms: number, now: number): string {
  const seconds = Math.round((ms - now) / 1000);
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (Math.abs(seconds) < 60) return format.format(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return format.format(hours, 'hour');
  return format.format(Math.round(hours / 24), 'day');
}

/** The body with each occurrence of the code marked. */
function Body({ text, code }: { text: string; code: string | null }) {
  if (!code) return <p class="message-body">{text}</p>;
  const parts = text.split(code);
  return (
    <p class="message-body">
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && <mark class="code">{code}</mark>}
        </Fragment>
      ))}
    </p>
  );
}

function MessageItem({ message, isNew, now }: { message: Message; isNew: boolean; now: number }) {
  const [copied, setCopied] = useState(false);
  const to = displayPhone(message.to).formatted;
  const created = new Date(message.created_at);
  return (
    <li class={`message${isNew ? ' is-new' : ''}`} data-to={message.to} aria-labelledby={`msg-${message.id}-to`}>
      <div class="message-head">
        <span class="message-to" id={`msg-${message.id}-to`}><span class="muted">To </span>{to}</span>
        <time dateTime={created.toISOString()} title={created.toLocaleString()}>{relativeTime(message.created_at, now)}</time>
        <span class={`badge status-${message.status}`}>{message.status}</span>
      </div>
      <Body text={message.body} code={message.code} />
      {message.code && (
        <div class="actions">
          <button
            type="button"
            class="button small"
            onClick={async () => {
              setCopied(await copyText(message.code!));
              setTimeout(() => setCopied(false), 2000);
            }}
          >
            {copied ? 'Copied' : 'Copy code'}<span class="sr-only"> {message.code} for {to}</span>
          </button>
        </div>
      )}
    </li>
  );
}

function Inbox({ boot }: { boot: Boot }) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [announcement, setAnnouncement] = useState('');
  const seen = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useTick(15_000);

  useEffect(() => {
    const source = new EventSource(STREAM_PATH);
    source.onopen = () => setConnection('live');
    source.onerror = () => setConnection('reconnecting');
    source.addEventListener('messages', (event) => {
      const list = JSON.parse((event as MessageEvent<string>).data) as Message[];
      const before = seen.current;
      const added = before ? list.filter((m) => !before.has(m.id)) : [];
      seen.current = new Set(list.map((m) => m.id));
      setMessages(list);
      setConnection('live');
      if (added.length > 0) {
        setFresh(new Set(added.map((m) => m.id)));
        const latest = added[0]!;
        setAnnouncement(`New message to ${displayPhone(latest.to).formatted}${latest.code ? `, code ${latest.code.split('').join(' ')}` : ''}.`);
      }
    });
    return () => source.close();
  }, []);

  const now = Date.now();
  return (
    <>
      <header class="topbar">
        <span class="brand"><img src="/assets/icon.svg" alt="" width="24" height="24" />{boot.appName}</span>
        <nav class="topbar-actions" aria-label="Pages">
          <a href={boot.accountPath}>Account page</a>
        </nav>
      </header>
      <main id="main" class="page wide">
        <h1 class="page-title">SMS inbox <span class="badge warn">Development</span></h1>
        <p class="muted page-subtitle">
          Every text message the development server “sent”, newest first. Nothing here left this machine.
        </p>
        <p class={`connection ${connection}`} id="connection">
          <span class="dot" aria-hidden="true" />
          {connection === 'live' ? 'Live: new messages appear by themselves' : connection === 'connecting' ? 'Connecting…' : 'Connection lost, reconnecting…'}
        </p>
        <section class="card" aria-labelledby="messages-heading">
          <h2 id="messages-heading">Messages{messages ? <span class="muted"> ({messages.length})</span> : null}</h2>
          {messages === null ? (
            <p class="muted">Loading…</p>
          ) : messages.length === 0 ? (
            <p class="muted" id="no-messages">
              No messages yet. Add a phone number on the <a href={boot.accountPath}>account page</a> and its code appears here.
            </p>
          ) : (
            <ol class="messages" aria-labelledby="messages-heading">
              {messages.map((m) => <MessageItem key={m.id} message={m} isNew={fresh.has(m.id)} now={now} />)}
            </ol>
          )}
        </section>
      </main>
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">{announcement}</div>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<Inbox boot={readBoot()} />, root);
}
