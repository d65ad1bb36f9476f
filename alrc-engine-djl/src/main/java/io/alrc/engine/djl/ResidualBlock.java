package io.alrc.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code x + body(x)}: a residual connection around a shape-preserving block, written as one block
 * (rather than a {@code ParallelBlock} of the body and an identity) so that a forward pass creates
 * only the arrays it needs.
 */
final class ResidualBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Block body;

  /** A residual block around {@code body}, whose output has its input's shape. */
  ResidualBlock(Block body) {
    super(VERSION);
    this.body = addChildBlock("body", body);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray y = body.forward(store, inputs, training, params).singletonOrThrow();
    return new NDList(y.add(x));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return body.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    body.initialize(manager, dataType, inputShapes);
  }
}
