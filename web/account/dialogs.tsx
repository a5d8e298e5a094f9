import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PhoneNumberResource } from '../../src/client/index.js';
import { copyText, downloadText } from '../shared/copy.js';
import { displayPhone } from '../shared/phone.js';

// The two modal moments: confirming a removal, and the one showing of backup codes. Native
// <dialog> gives focus trapping, Escape to close and an inert page behind, with no library.

function Modal({ open, labelledBy, describedBy, onClose, children }: {
  open: boolean;
  labelledBy: string;
  describedBy?: string;
  onClose(): void;
  children: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Only a close the dialog started (Escape) is reported; closing because `open` went false is not.
  const isOpen = useRef(open);
  isOpen.current = open;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} class="modal" aria-labelledby={labelledBy} aria-describedby={describedBy} onClose={() => { if (isOpen.current) onClose(); }}>
      {open && children}
    </dialog>
  );
}

export function ConfirmRemoveDialog({ number, onCancel, onConfirm }: {
  number: PhoneNumberResource | null;
  onCancel(): void;
  onConfirm(number: PhoneNumberResource): void;
}) {
  const shown = number ? displayPhone(number.phone_number).formatted : '';
  return (
    <Modal open={number !== null} labelledBy="remove-title" describedBy="remove-description" onClose={onCancel}>
      {number && (
        <form method="dialog" onSubmit={(event) => { event.preventDefault(); onConfirm(number); }}>
          <h2 id="remove-title">Remove phone number</h2>
          <p id="remove-description">
            <strong>{shown}</strong> will be removed from your account.
            {number.reserved_for_second_factor ? ' It will no longer receive two-step verification codes.' : ''}
            {' '}You can add it again later.
          </p>
          <div class="actions end">
            <button type="button" class="button ghost" onClick={onCancel} autofocus>Cancel</button>
            <button type="submit" class="button danger">Remove</button>
          </div>
        </form>
      )}
    </Modal>
  );
}

export function BackupCodesDialog({ codes, appName, onClose }: { codes: string[] | null; appName: string; onClose(): void }) {
  const [feedback, setFeedback] = useState('');
  useEffect(() => setFeedback(''), [codes]);
  const text = codes ? `${appName} backup codes\nEach code works once.\n\n${codes.join('\n')}\n` : '';

  return (
    <Modal open={codes !== null} labelledBy="backup-title" describedBy="backup-description" onClose={onClose}>
      {codes && (
        <div>
          <h2 id="backup-title">Save your backup codes</h2>
          <p id="backup-description">
            Two-step verification is on. If you lose your phone, each of these codes signs you in once.
            Store them somewhere safe: <strong>they will not be shown again.</strong>
          </p>
          <ol class="backup-codes" aria-label="Backup codes">
            {codes.map((code) => <li key={code}><code>{code}</code></li>)}
          </ol>
          <p class="small" role="status" aria-live="polite" id="backup-feedback">{feedback}</p>
          <div class="actions end">
            <button
              type="button"
              class="button"
              onClick={async () => setFeedback((await copyText(codes.join('\n'))) ? 'Copied the codes.' : 'Could not copy. Select the codes and copy them yourself.')}
            >
              Copy codes
            </button>
            <button
              type="button"
              class="button"
              onClick={() => { downloadText('backup-codes.txt', text); setFeedback('Downloaded backup-codes.txt.'); }}
            >
              Download .txt
            </button>
            <button type="button" class="button primary" onClick={onClose} autofocus>I have saved them</button>
          </div>
        </div>
      )}
    </Modal>
  );
}
