/**
 * The layers of src/, from the ground up; nothing imports a layer above its own (checked by
 * `npm test` through dependency-cruiser). Folders on one line are peers: neither imports the other.
 *
 *   util                     no latentlab imports
 *   binding | wire           the addon's typed interface; the JSON the server, the static page and
 *                            the browser exchange (types only)
 *   tensor
 *   nn
 *   data | models            peers
 *   train
 *   inference                encoding test sets, decoding codes, sampling, PCA, the explorer's data:
 *                            what both numbers and pictures need
 *   eval | viz               peers: numbers, pictures
 *   workflow                 tasks that compute and then draw (training a run, the anomaly analysis)
 *   export
 *   report | server          peers
 *   cli                      the top
 *
 * src/index.ts (the library's entry) exports every layer. web/ imports only the wire types
 * (src/wire/) and modules that touch nothing native: src/util, src/viz/charts.ts and
 * src/eval/ranking.ts.
 */
const LAYERS = [
  ['util'],
  ['binding', 'wire'],
  ['tensor'],
  ['nn'],
  ['data', 'models'],
  ['train'],
  ['inference'],
  ['eval', 'viz'],
  ['workflow'],
  ['export'],
  ['report', 'server'],
  ['cli'],
];

const folders = (names) => `^src/(${names.join('|')})/`;
const rules = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  const up = above.length
    ? [{ name: `${layer.join('-')}-imports-up`, severity: 'error', comment: `${layer.join(', ')} may not import ${above.join(', ')}`, from: { path: folders(layer) }, to: { path: folders(above) } }]
    : [];
  const peers = layer.length > 1
    ? layer.map((f) => ({ name: `${f}-imports-peer`, severity: 'error', comment: `${f} and its peers (${layer.join(', ')}) do not import each other`, from: { path: folders([f]) }, to: { path: folders(layer.filter((g) => g !== f)) } }))
    : [];
  return [...up, ...peers];
});

module.exports = {
  forbidden: [
    ...rules,
    {
      name: 'web-imports-wire-only',
      severity: 'error',
      comment: 'the page imports the wire types and modules that touch nothing native',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/(wire/|util/|viz/charts\\.ts|eval/ranking\\.ts)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
