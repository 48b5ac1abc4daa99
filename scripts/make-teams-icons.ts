import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { findRepoRoot } from './repo-root';

/** Side of the full-colour Teams icon, in pixels (required by Teams). */
export const COLOR_ICON_SIZE = 192;
/** Side of the outline Teams icon, in pixels (required by Teams). */
export const OUTLINE_ICON_SIZE = 32;
/** Background of the colour icon; the Teams manifest's `accentColor` uses the same colour. */
export const ICON_BACKGROUND = '#1F6F78';

type Rgb = readonly [number, number, number];

const AMBER: Rgb = [0xf2, 0xa5, 0x41];
const CREAM: Rgb = [0xf7, 0xf3, 0xe3];
const CORAL: Rgb = [0xe4, 0x57, 0x2e];
// Sub-samples per pixel side: cheap antialiasing without a drawing library.
const SUPERSAMPLE = 4;

interface Circle {
  cx: number;
  cy: number;
  r: number;
}

function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

function inside(c: Circle, x: number, y: number): boolean {
  return (x - c.cx) ** 2 + (y - c.cy) ** 2 <= c.r ** 2;
}

/** Calls `sample` at SUPERSAMPLE² points of every pixel and stores the average RGBA it returns. */
function render(
  size: number,
  sample: (x: number, y: number) => readonly [number, number, number, number],
): PNG {
  const png = new PNG({ width: size, height: size });
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const [sr, sg, sb, sa] = sample(px + (sx + 0.5) / SUPERSAMPLE, py + (sy + 0.5) / SUPERSAMPLE);
          // Weight colour by alpha so transparent samples do not darken the edges.
          r += sr * sa;
          g += sg * sa;
          b += sb * sa;
          a += sa;
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a === 0 ? 255 : Math.round(r / a);
      png.data[i + 1] = a === 0 ? 255 : Math.round(g / a);
      png.data[i + 2] = a === 0 ? 255 : Math.round(b / a);
      png.data[i + 3] = Math.round(a / n);
    }
  }
  return png;
}

/**
 * Draws the 192×192 colour icon: two overlapping circles (the two partners) on a solid teal
 * background, their overlap (the relationship) in coral.
 */
export function drawColorIcon(): PNG {
  const size = COLOR_ICON_SIZE;
  const background = hexToRgb(ICON_BACKGROUND);
  const left: Circle = { cx: size * 0.4, cy: size / 2, r: size * 0.25 };
  const right: Circle = { cx: size * 0.6, cy: size / 2, r: size * 0.25 };
  return render(size, (x, y) => {
    const inLeft = inside(left, x, y);
    const inRight = inside(right, x, y);
    const colour = inLeft && inRight ? CORAL : inLeft ? AMBER : inRight ? CREAM : background;
    return [colour[0], colour[1], colour[2], 255];
  });
}

/**
 * Draws the 32×32 outline icon: the same two circles as white rings with a filled white overlap,
 * on a fully transparent background, as Teams requires.
 */
export function drawOutlineIcon(): PNG {
  const size = OUTLINE_ICON_SIZE;
  const stroke = 2;
  const outer = size * 0.25;
  const leftOuter: Circle = { cx: size * 0.35, cy: size / 2, r: outer };
  const rightOuter: Circle = { cx: size * 0.65, cy: size / 2, r: outer };
  const leftInner: Circle = { ...leftOuter, r: outer - stroke };
  const rightInner: Circle = { ...rightOuter, r: outer - stroke };
  return render(size, (x, y) => {
    const onLeftRing = inside(leftOuter, x, y) && !inside(leftInner, x, y);
    const onRightRing = inside(rightOuter, x, y) && !inside(rightInner, x, y);
    const inOverlap = inside(leftOuter, x, y) && inside(rightOuter, x, y);
    return [255, 255, 255, onLeftRing || onRightRing || inOverlap ? 255 : 0];
  });
}

/** Writes `color.png` and `outline.png` into `dir` (created if missing) and returns their paths. */
export function writeTeamsIcons(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const icons: [string, PNG][] = [
    ['color.png', drawColorIcon()],
    ['outline.png', drawOutlineIcon()],
  ];
  return icons.map(([name, png]) => {
    const file = path.join(dir, name);
    writeFileSync(file, PNG.sync.write(png, { colorType: 6 }));
    return file;
  });
}

if (require.main === module) {
  for (const file of writeTeamsIcons(path.join(findRepoRoot(), 'manifests', 'teams'))) console.log(file);
}
