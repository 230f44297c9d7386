/**
 * Tensor methods, part of the class chain in core.ts: shape and indexing: views, reshapes, slices, gathers, splits. Each calls one ATen operator.
 */
import { call, callMany, TensorCore } from './core.js';
import type { Tensor } from './tensor.js';

export class ShapeTensor extends TensorCore {
  // --- shape ------------------------------------------------------------------------
  /** New shape with the same data; one entry may be -1. Copies only when it must. */
  reshape(...shape: number[]): Tensor {
    return call('reshape', this.handle, shape);
  }
  /** New shape sharing the data; the tensor must be contiguous enough. */
  view(...shape: number[]): Tensor {
    return call('view', this.handle, shape);
  }
  /** Reorders the dimensions (a view): permute(0, 2, 3, 1) takes [B, C, H, W] to [B, H, W, C]. */
  permute(...dims: number[]): Tensor {
    return call('permute', this.handle, dims);
  }
  /** Swaps two dimensions (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return call('transpose.int', this.handle, dim0, dim1);
  }
  /** The diagonal of dims (dim1, dim2), offset above (>0) or below (<0) the main one. */
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return call('diagonal', this.handle, offset, dim1, dim2);
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    return call('t', this.handle);
  }
  /** Elements start..end (exclusive, negative counts from the end) of `dim`, every `step`th. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return call('slice.Tensor', this.handle, dim, start ?? null, end ?? null, step);
  }
  /** Elements start..start + length - 1 of `dim` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return call('narrow', this.handle, dim, start, length);
  }
  /** Entry `index` of dimension `dim`, removing that dimension. */
  select(dim: number, index: number): Tensor {
    return call('select.int', this.handle, dim, index);
  }
  /** The entries of `dim` at the int64 indices `index` [n] (a copy). */
  indexSelect(dim: number, index: Tensor): Tensor {
    return call('index_select', this.handle, dim, index.handle);
  }
  /** out[i][j] = this[index[i][j]][j] for dim 0 (and so on): picks along `dim` by the int64 `index`, shaped like it. */
  gather(dim: number, index: Tensor): Tensor {
    return call('gather', this.handle, dim, index.handle, false);
  }
  /** Removes dimension `dim` if it has size 1, or every size-1 dimension when omitted. */
  squeeze(dim?: number): Tensor {
    return dim === undefined ? call('squeeze', this.handle) : call('squeeze.dim', this.handle, dim);
  }
  /** Inserts a dimension of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    return call('unsqueeze', this.handle, dim);
  }
  /** Merges dimensions startDim..endDim into one: flatten(1) takes [B, C, H, W] to [B, C*H*W]. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return call('flatten.using_ints', this.handle, startDim, endDim);
  }
  /** Broadcast view to `shape` (-1 keeps a dimension). */
  expand(...shape: number[]): Tensor {
    return call('expand', this.handle, shape, false);
  }
  /** Tiles the tensor `repeats[i]` times along dimension i (a copy, as torch.Tensor.repeat). */
  repeat(...repeats: number[]): Tensor {
    return call('repeat', this.handle, repeats);
  }
  /** Splits into pieces of `size` along `dim`. */
  split(size: number, dim = 0): Tensor[] {
    return callMany('split.Tensor', this.handle, size, dim);
  }
  /** Splits into `chunks` pieces of (nearly) equal size along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return callMany('chunk', this.handle, chunks, dim);
  }
}
