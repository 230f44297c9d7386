/** Pictures: image grids, plots (Vega-Lite), GIFs, and the figures of what a model learned. */
export { tileImages, tileOrigin, encodePng, savePng, decodePng, type Raster, type GridOptions } from './grid.js';
export { toPixels } from './pixels.js';
export { renderSvg, svgToPng, savePlot, type VegaLiteSpec } from './plot.js';
export { encodeGif, saveGif } from './gif.js';
export * from '../inference/latent.js';
export * from './figures.js';
export { saveExamples } from './dataset-examples.js';
export { klGaussian, jsGaussian, normalPdf, type Gaussian1d } from './divergence.js';
export { TrainingPictures, writeRunPictures, sideBySide } from './progress.js';
