/**
 * A data set folder or archive dropped anywhere on the window. In the desktop app the file's path on
 * disk goes to `onPath`; a browser never reveals paths, so there the drop is refused, and `dragging`
 * lets the page say why while something is dragged over it.
 */
import { onMounted, onUnmounted, ref, type Ref } from 'vue';

export function useDataSetDrop(accepts: boolean, pathOf: (file: File) => string | null, onPath: (path: string) => void): { dragging: Ref<boolean> } {
  const dragging = ref(false);
  // dragenter/dragleave fire for every element crossed: count them to know when the drag left the window.
  let depth = 0;
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

  function enter(e: DragEvent): void {
    if (!carriesFiles(e)) return;
    depth++;
    dragging.value = true;
  }
  function leave(e: DragEvent): void {
    if (!carriesFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  }
  function over(e: DragEvent): void {
    if (!carriesFiles(e)) return;
    // Without this the browser would open the dropped file in place of the app.
    e.preventDefault();
    e.dataTransfer!.dropEffect = accepts ? 'copy' : 'none';
  }
  function drop(e: DragEvent): void {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dragging.value = false;
    const file = accepts ? e.dataTransfer?.files[0] : undefined;
    const path = file ? pathOf(file) : null;
    if (path) onPath(path);
  }

  const handlers = { dragenter: enter, dragleave: leave, dragover: over, drop } as const;
  onMounted(() => Object.entries(handlers).forEach(([name, h]) => window.addEventListener(name, h as EventListener)));
  onUnmounted(() => Object.entries(handlers).forEach(([name, h]) => window.removeEventListener(name, h as EventListener)));
  return { dragging };
}
