/** Keeps a native modal <dialog> (focus trap, Esc, backdrop for free) open exactly while `open()` says so. */
import { watch, type Ref } from 'vue';

export function useModal(dialog: Ref<HTMLDialogElement | undefined>, open: () => boolean): void {
  watch(
    open,
    (show) => {
      const d = dialog.value;
      if (!d) return;
      if (show && !d.open) d.showModal();
      if (!show && d.open) d.close();
    },
    { flush: 'post' },
  );
}
