//! The operations' gradients under burn's autodiff: the dense product's are products again
//! (through the same kernel), and a convolution's weight gradient goes through
//! [`DenseOps::conv_weight_grad`] (the input's and the bias's stay burn's).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{binary, Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, TensorMetadata};
use burn::tensor::ops::ConvOptions;

use super::DenseOps;

/// The product's gradients are products again, through the same kernel:
/// `∂lhs = g · rhsᵀ`, `∂rhs = lhsᵀ · g` (the transposes are views).
impl<B: Backend + DenseOps, C: CheckpointStrategy> DenseOps for Autodiff<B, C> {
    fn dense_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct DenseMatmul;

        impl<B: Backend + DenseOps> Backward<B, 2> for DenseMatmul {
            type State = (Option<NodeId>, Option<NodeId>);

            fn backward(
                self,
                ops: Ops<Self::State, 2>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let (lhs, rhs) = ops.state;
                let lhs: Option<FloatTensor<B>> = lhs.map(|l| checkpointer.retrieve_node_output(l));
                let rhs: Option<FloatTensor<B>> = rhs.map(|r| checkpointer.retrieve_node_output(r));
                binary::<B, _, _>(
                    ops.parents,
                    ops.node,
                    grads,
                    |grad| B::dense_matmul(grad, B::float_transpose(rhs.expect("rhs kept"))),
                    |grad| B::dense_matmul(B::float_transpose(lhs.expect("lhs kept")), grad),
                );
            }
        }

        let (lhs_tracked, rhs_tracked) = (lhs.is_tracked(), rhs.is_tracked());
        match DenseMatmul
            .prepare::<C>([lhs.node(), rhs.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                // Each gradient needs the other operand only.
                let lhs_state = rhs_tracked.then(|| prep.checkpoint(&lhs));
                let rhs_state = lhs_tracked.then(|| prep.checkpoint(&rhs));
                let out = B::dense_matmul(lhs.into_primitive(), rhs.into_primitive());
                prep.finish((lhs_state, rhs_state), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::dense_matmul(lhs.into_primitive(), rhs.into_primitive()))
            }
        }
    }

    fn dense_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct DenseConv2d;

        impl<B: Backend + DenseOps> Backward<B, 3> for DenseConv2d {
            type State = (NodeId, NodeId, ConvOptions<2>);

            fn backward(
                self,
                ops: Ops<Self::State, 3>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let [node_x, node_w, node_b] = ops.parents;
                let grad: FloatTensor<B> = grads.consume::<B>(&ops.node);
                let (x, w, options) = ops.state;
                let x: FloatTensor<B> = checkpointer.retrieve_node_output(x);
                let w: FloatTensor<B> = checkpointer.retrieve_node_output(w);
                if let Some(node) = node_x {
                    let dx =
                        B::conv2d_x_backward(x.clone(), w.clone(), grad.clone(), options.clone());
                    grads.register::<B>(node.id, dx);
                }
                if let Some(node) = node_b {
                    // Σ over samples and positions, as burn's `conv2d_bias_backward`.
                    let [batch, o, ho, wo] = grad.shape().dims();
                    let g = B::float_swap_dims(grad.clone(), 0, 1);
                    let g = B::float_reshape(g, [o, batch * ho * wo].into());
                    let db = B::float_reshape(B::float_sum_dim(g, 1), [o].into());
                    grads.register::<B>(node.id, db);
                }
                if let Some(node) = node_w {
                    let dw = B::conv_weight_grad(x, w, grad, options);
                    grads.register::<B>(node.id, dw);
                }
            }
        }

        match DenseConv2d
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let w_state = prep.checkpoint(&weight);
                let out = B::dense_conv2d(
                    x.into_primitive(),
                    weight.into_primitive(),
                    bias.into_primitive(),
                    options.clone(),
                );
                prep.finish((x_state, w_state, options), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::dense_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                options,
            )),
        }
    }
}
