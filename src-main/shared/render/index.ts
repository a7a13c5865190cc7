/** The render module's public surface, for the page (`@render/index.ts`) and for GIF export. */
export * from './animation.ts';
export * from './diff.ts';
export * from './frame.ts';
export * from './gif.ts';
export * from './layout.ts';
export * from './palette.ts';
export * from './render.ts';
export * from './scale.ts';
export { drawText, textWidth } from './font.ts';
