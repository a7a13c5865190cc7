/** The keyboard cursor over a picture's cells: it skips the gaps between filters and stays at the edge. */
import { describe, expect, it } from 'vitest';
import { firstCell, moveCell, type Cell } from '../../../../src-renderer/src/lib/cellCursor.ts';

// Two 2×2 filters side by side with a one-cell gap and a one-cell border: columns 1-2 and 4-5, rows 1-2.
const occupied = (c: Cell) => c.y >= 1 && c.y <= 2 && ((c.x >= 1 && c.x <= 2) || (c.x >= 4 && c.x <= 5));

describe('the cell cursor', () => {
  it('starts on the first cell that holds a value', () => {
    expect(firstCell(7, 4, occupied)).toEqual({ x: 1, y: 1 });
    expect(firstCell(3, 3, () => false)).toBeNull();
  });

  it('steps over the gap to the next filter, and stays where the picture ends', () => {
    expect(moveCell({ x: 2, y: 1 }, 'ArrowRight', 1, 7, 4, occupied)).toEqual({ x: 4, y: 1 });
    expect(moveCell({ x: 5, y: 1 }, 'ArrowRight', 1, 7, 4, occupied)).toEqual({ x: 5, y: 1 });
    expect(moveCell({ x: 1, y: 2 }, 'ArrowDown', 1, 7, 4, occupied)).toEqual({ x: 1, y: 2 });
    expect(moveCell({ x: 1, y: 2 }, 'ArrowUp', 1, 7, 4, occupied)).toEqual({ x: 1, y: 1 });
    expect(moveCell({ x: 1, y: 1 }, 'ArrowRight', 5, 7, 4, occupied)).toEqual({ x: 1, y: 1 });
    expect(moveCell({ x: 1, y: 1 }, 'ArrowRight', 3, 7, 4, occupied)).toEqual({ x: 4, y: 1 });
  });

  it('ignores keys that are not arrows', () => {
    expect(moveCell({ x: 1, y: 1 }, 'a', 1, 7, 4, occupied)).toBeNull();
  });
});
