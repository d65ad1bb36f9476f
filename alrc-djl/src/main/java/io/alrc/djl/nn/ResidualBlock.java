package io.alrc.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code x0 = x; x = relu(a(x)); x = relu(b(x)); return x + x0}: the residual block of the ALRC
 * paper's networks. Written as one block (rather than a {@code ParallelBlock} of a sequence and an
 * identity) so that a forward pass creates only the five arrays it needs.
 */
public final class ResidualBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Block first;
  private final Block second;

  /**
   * A residual block around two shape-preserving blocks.
   *
   * @param first the first block (its output goes through ReLU)
   * @param second the second block (its output goes through ReLU, then the input is added)
   */
  public ResidualBlock(Block first, Block second) {
    super(VERSION);
    this.first = addChildBlock("a", first);
    this.second = addChildBlock("b", second);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x0 = inputs.singletonOrThrow();
    NDArray x = first.forward(store, inputs, training, params).singletonOrThrow();
    NDArray h = Activation.relu(x);
    NDArray y = second.forward(store, new NDList(h), training, params).singletonOrThrow();
    NDArray r = Activation.relu(y);
    return new NDList(r.add(x0));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return second.getOutputShapes(first.getOutputShapes(inputShapes));
  }

  @Override
  protected void initializeChildBlocks(
      NDManager manager, DataType dataType, Shape... inputShapes) {
    first.initialize(manager, dataType, inputShapes);
    Shape[] mid = first.getOutputShapes(inputShapes);
    second.initialize(manager, dataType, mid);
  }
}
