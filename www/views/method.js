// What each distillation method does, in a sentence and a formula, shown under the settings; the fields that only one
// method uses are hidden for the others.

const TEXT = {
  hinton: 'Hinton et al. 2015. The student matches the teacher\u2019s softened outputs: ' +
    'L = α·CE(y, s) + (1−α)·τ²·KL(softmax(t/τ) ‖ softmax(s/τ)). With an entropy-matched τ, each example gets the ' +
    'temperature that gives the teacher\u2019s softened output the chosen entropy.',
  dkd: 'Decoupled KD (Zhao et al. 2022) splits the KL into the target-class part (TCKD, how sure the teacher is) and the ' +
    'non-target part (NCKD, how it ranks the wrong classes) and weighs them apart: ' +
    'L = α·CE + 1·TCKD + β·NCKD, both terms ×τ², warmed up over the first 10 % of the steps.',
  'multi-average': 'Two MNIST teachers (the CNN and a 784-1200-1200-10 MLP): the student matches the mean of their ' +
    'softened outputs, L = α·CE + (1−α)·τ²·KL(½(p_cnn + p_mlp) ‖ softmax(s/τ)).',
  'multi-confidence': 'Two MNIST teachers, mixed per example by confidence: q = Σ_k w_k·p_k with w_k ∝ the teacher\u2019s ' +
    'top-1 probability on that example, so the surer teacher speaks louder.',
  fitnets: 'FitNets (Romero et al. 2015): a learned linear regressor maps the student\u2019s last hidden layer onto the ' +
    'teacher\u2019s (dense 256), and L = Hinton\u2019s loss + mean‖r(h_s) − h_t‖². The teacher network runs alongside.',
  'fitnets-two-stage': 'FitNets as in the paper: the hint loss alone for the first 30 % of the steps (the student ' +
    'learns the teacher\u2019s intermediate representation), then Hinton\u2019s loss.',
  attention: 'Attention transfer (Zagoruyko & Komodakis 2017): the student matches where the teacher\u2019s conv ' +
    'layers look, Q = normalize(mean_c F²), L = Hinton\u2019s loss + β/2·Σ mean(Q_s − Q_t)² (β = 1000). Needs a CNN ' +
    'student (student type CNN, widths like 8,16,64).',
  rkd: 'Relational KD (Park et al. 2019): the student matches the teacher\u2019s distances between the examples of a ' +
    'batch and the angles between them (last hidden layers), L = α·CE + (1−α)·(25·L_dist + 50·L_angle).',
  adversarial: 'Adversarial distillation (after Wang et al. 2018): a small discriminator D (10 → 64 → 1 on ' +
    'softmax(z/τ)) learns to tell the teacher\u2019s outputs from the student\u2019s, and the student learns, on top of ' +
    'Hinton\u2019s loss, to make D take its outputs for the teacher\u2019s: L = Hinton + BCE(D(p_s), teacher). The chart ' +
    'under the training curves shows how often D is right; near 50 % the student passes.',
  'data-free': 'Data-free distillation (DAFL, Chen et al. 2019, with DeepInversion\u2019s statistics term, Yin et al. ' +
    '2020): no training image reaches the student. A generator G (noise + a class → 7×7 maps → two upsampling convs → ' +
    '28×28) learns to make images the teacher classifies as the asked class, confidently and evenly across classes ' +
    '(L_G = CE + one-hot + 0.1·activation + 5·entropy), whose teacher features have the per-channel mean and variance ' +
    'the teacher stores from its training; the student learns τ²·KL(softmax(t/τ) ‖ softmax(s/τ)) on G\u2019s images. ' +
    'Try a learning rate of 0.003.',
  progressive: 'Progressive layer-wise distillation (after Wang et al. 2018, with FitNets\u2019 adapters): the teacher\u2192' +
    'student layer pairs below are distilled one at a time, shallow first, each for an equal share of the first half of ' +
    'the steps, L_k = mean (A_k(s_k) \u2212 t_k)\u00b2 with a learned adapter A_k (a 1\u00d71 conv between conv layers, ' +
    'else linear, features compared at 7\u00d77); then Hinton\u2019s loss on the outputs. Edit the pairs with the ' +
    'selects or as text (2:1,3:2).',
  fsp: 'FSP matrices (Yim et al. 2017): for each pair of consecutive conv layers, G = Σ_hw F¹·F²ᵀ / hw says how a ' +
    'layer transforms what it receives. As in the paper, the student first matches the teacher\u2019s matrices alone, ' +
    'L = mean Σ (G_s − G_t)², for 30 % of the steps, then learns with Hinton\u2019s loss. Needs a CNN student with the ' +
    'teacher\u2019s conv channels (student type CNN, widths 32,64,32).',
  qat: 'Quantization-aware distillation (Jacob et al. 2018 with Hinton\u2019s loss): every weight and every layer input ' +
    'passes through q(x) = s·clamp(round(x/s)) at the chosen bits while the student learns, the gradient going straight ' +
    'through the rounding. At the end the student becomes a real integer network (int weights per channel, uint ' +
    'activations, i32 sums), ¼ of the float file; the hard-label twin is quantized after training for comparison.',
};

/** @param {HTMLFormElement} form @param {import('../state.js').State} state */
export function createMethodInfo(form, state) {
  const info = form.querySelector('#method-info');
  function render() {
    const method = state.get('method');
    info.textContent = TEXT[method] || '';
    for (const el of form.querySelectorAll('[data-method]')) el.hidden = el.dataset.method !== method;
    for (const el of form.querySelectorAll('[data-ramp]')) el.hidden = state.get('ramp') === 'constant';
  }
  state.subscribe(render);
  render();
  return { render };
}
