import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { useUi } from './context.js';

/** A modal question (native <dialog>: focus is trapped, Escape cancels). */
export function Confirm(props: { open: boolean; message: string; onConfirm: () => void; onClose: () => void; children?: ComponentChildren }) {
  const { t } = useUi();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby={id} onClose={props.onClose}>
      <p id={id}>{props.message}</p>
      {props.children}
      <div class="buttons">
        <button type="button" onClick={props.onClose} autofocus>
          {t('actions.back')}
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            props.onConfirm();
            props.onClose();
          }}
        >
          {t('actions.confirm')}
        </button>
      </div>
    </dialog>
  );
}
