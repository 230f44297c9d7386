export { tileImages, tileOrigin, encodePng, savePng, decodePng, type Raster, type GridOptions } from './grid.js';
