"""The exercises' English texts, by message id (see ``messages.py``).

Ids: ``<exercise>.summary|prompt|todo|hint1|hint2|hint3``, ``<exercise>.<mistake>`` (what the
mistake is, then why it gives this output), ``matmul.<mistake>`` and ``common.<mistake>`` for
mistakes several exercises share, and the checker's own words (``verdict.*``, ``band.*``...).
"""

MESSAGES: dict[str, str] = {
    # ------------------------------------------------------------ the checker's words
    "status.passed": "passed",
    "status.failed": "FAILED",
    "status.not_attempted": "not attempted yet",
    "list.passed": "passed",
    "list.failed": "failed",
    "list.unchecked": "not checked",
    "list.cli_hint": "hint: in Python, ex.get(NAME).template is the function to fill in; "
    "`tinygrad-lite exercises check FILE.py` grades a file",
    "prompt.signature": "Write",
    "prompt.example": "Example",
    "verdict.diagnosis": "Likely mistake",
    "verdict.diagnosis.passed": "Note",
    "counterexample.title": "Smallest failing input",
    "counterexample.title.passed": "Smallest input where it differs",
    "counterexample.expected": "expected",
    "counterexample.received": "received",
    "verdict.checked": "Checked {name} on {count} drawn inputs against tinygrad_lite's result.",
    "verdict.error": "Worst relative error |a - b| / max(|a|, |b|){on}: {error} ({band}).",
    "verdict.error_some": " on the {count} inputs where it returned values of the right shape",
    "band.fine": "< 1e-7: fine",
    "band.suspicious": "< 1e-4: suspicious, acceptable only at a kink or in float32",
    "band.wrong": ">= 1e-4: wrong",
    "verdict.not_attempted": "The function still raises NotImplementedError: replace that line "
    "with your code.",
    "verdict.not_callable": "check() needs the function itself, as in check(my_function); got an object of type {got}.",
    "verdict.raised": "{name} raised {error}.",
    "verdict.where": "(line {line} of {function})",
    "verdict.returned_none": "It returned None: is a return statement missing?",
    "verdict.count": "It returned {got}, where {count} values were expected: return {names}.",
    "verdict.values": "a {kind} of {count}",
    "verdict.one_value": "a single {kind}",
    "verdict.not_numeric": "{output} is a {got}, not an array of numbers.",
    "verdict.shape": "{output} has shape {got}; expected {want}{of}.",
    "verdict.shape_of": ", the shape of {input}: a gradient has the shape of what it is "
    "the gradient of",
    "verdict.dtype": "{output} has dtype {got}: return floating-point numbers (multiply a mask "
    "by a float array, or use .astype(float)).",
    "verdict.mutated": "{name} changed its argument {input} in place (with +=, -=, *= or an "
    "indexed assignment): the caller's array changed. Compute new arrays instead, e.g. "
    "w_new = w + v_new, or work on a copy.",
    "verdict.convention_only": "The only difference is the value at a kink, a valid choice: "
    "passed, see the note.",
    "verdict.unexplained": "{outputs}: no mistake in the catalogue matches; compare your "
    "formula with hint(3).",
    "error.unknown": "exercises.get: no exercise {name}; choose from: {names}",
    "error.hint_level": "{name}.hint: level must be 1, 2 or 3, got {level}",
    "grade.file_failed": "{path} could not run: {error}",
    "grade.line": " (line {line})",
    "grade.none_found": "{path} defines none of the exercise functions; name a function after "
    "an exercise: {names}.",
    "grade.summary": "{passed} of {count} exercises in {path} passed.",
    "grade.missing": "Not in the file: {names}.",
    # ------------------------------------------------------------ shared mistakes
    "common.sign": "Sign flipped: the result is exactly minus the gradient. Check each step of "
    "the derivative for a lost minus sign (for example d(-s_y)/ds_y = -1).",
    "common.double": "Twice the gradient: a factor 2 too many (for example a derivative of "
    "x**2 taken where the function has no square, or the same term added twice).",
    "common.half": "Half the gradient: a factor 2 is missing (for example the 2 of "
    "d(x**2)/dx = 2x, or a term of a sum left out).",
    "matmul.dx_not_transposed": "dx = upstream @ W instead of upstream @ W.T. Check the shapes: "
    "upstream is (N, M) and W is (D, M), so only W.T turns it into dx of shape (N, D). When "
    "M == D the wrong product runs and gives wrong numbers; otherwise it raises.",
    "matmul.dx_transposed": "dx came out transposed (W @ upstream.T, of shape (D, N)): the "
    "factors are in the wrong order. dx = upstream @ W.T has x's shape (N, D).",
    "matmul.dW_not_transposed": "dW = x @ upstream instead of x.T @ upstream. x is (N, D) and "
    "upstream (N, M): the batch axis N must be summed over, which x.T @ upstream does; the "
    "wrong product only runs when D == N.",
    "matmul.dW_transposed": "dW came out transposed (upstream.T @ x, of shape (M, D)): "
    "dW = x.T @ upstream has W's shape (D, M).",
    "matmul.dW_mean": "dW divided by the batch size N. The mean over the batch belongs to the "
    "loss, whose gradient already carries the 1/N in upstream; the product adds no other.",
    # ------------------------------------------------------------ 1. chain rule on a scalar
    "chain_rule_scalar.summary": "dy/dx, dy/dw, dy/db of y = tanh(x*w + b), by the chain rule",
    "chain_rule_scalar.prompt": "A neuron with one input computes z = x*w + b, then y = tanh(z).\n"
    "Return the three derivatives (dy_dx, dy_dw, dy_db) at the given numbers.\n"
    "Chain rule: dy/dx = dy/dz * dz/dx, and likewise for w and b. Derive dy/dz for tanh, and "
    "dz/dx, dz/dw, dz/db for the sum of a product.",
    "chain_rule_scalar.todo": "compute z and y, then dy/dz, then multiply by dz/dx, dz/dw, dz/db",
    "chain_rule_scalar.hint1": "Work in two steps: first the outer derivative dy/dz, which is "
    "the same for all three; then multiply it by each inner derivative.",
    "chain_rule_scalar.hint2": "The derivative of tanh is easiest in terms of its output y. "
    "Inside, z = x*w + b is linear in each of x, w and b.",
    "chain_rule_scalar.hint3": "dy/dz = 1 - y**2; dz/dx = w, dz/dw = x, dz/db = 1. So dy_dx = "
    "(1 - y**2) * w, dy_dw = (1 - y**2) * x, dy_db = 1 - y**2.",
    "chain_rule_scalar.in_terms_of_input": "The tanh derivative was written with its input: "
    "1 - z**2 instead of 1 - y**2 with y = tanh(z). The formula 1 - y**2 is in terms of the "
    "output; fed the input z it gives other numbers.",
    "chain_rule_scalar.forgot_tanh": "The outer derivative is missing: these are the "
    "derivatives of z = x*w + b alone (w, x, 1). Multiply each by dy/dz = 1 - y**2.",
    "chain_rule_scalar.forgot_inner": "The inner derivatives are missing: all three answers are "
    "dy/dz. Multiply by dz/dx = w, dz/dw = x and dz/db = 1.",
    "chain_rule_scalar.swapped_inner": "dy_dx and dy_dw are swapped: dz/dx = w (the factor "
    "x is multiplied by), and dz/dw = x.",
    "chain_rule_scalar.sigmoid_form": "y * (1 - y) is the sigmoid's derivative; tanh's is "
    "1 - y**2.",
    # ------------------------------------------------------------ 2. sigmoid
    "sigmoid_backward.summary": "backward of s = sigmoid(x) = 1 / (1 + exp(-x))",
    "sigmoid_backward.prompt": "The forward pass computed s = sigmoid(x) = 1 / (1 + exp(-x)) "
    "elementwise. Given the gradient of the loss with respect to s (upstream, same shape as x), "
    "return dx, the gradient of the loss with respect to x.\n"
    "Derive ds/dx, then apply the chain rule elementwise: dx = upstream * ds/dx.",
    "sigmoid_backward.todo": "compute s = sigmoid(x), then dx = upstream * ds/dx",
    "sigmoid_backward.hint1": "Write s = 1 / u with u = 1 + exp(-x) and differentiate both "
    "pieces; then express the result with s itself.",
    "sigmoid_backward.hint2": "ds/dx = exp(-x) / (1 + exp(-x))**2, and exp(-x) / (1 + exp(-x)) "
    "= 1 - s.",
    "sigmoid_backward.hint3": "ds/dx = s * (1 - s), evaluated at s = sigmoid(x); "
    "dx = upstream * s * (1 - s).",
    "sigmoid_backward.in_terms_of_input": "The derivative was evaluated at x instead of at s: "
    "x * (1 - x). The formula s * (1 - s) needs the sigmoid's output s = sigmoid(x).",
    "sigmoid_backward.forgot_upstream": "The upstream gradient is missing: this is ds/dx alone. "
    "The chain rule multiplies the local derivative by upstream.",
    "sigmoid_backward.tanh_form": "1 - s**2 is the form of tanh's derivative; the sigmoid's is "
    "s * (1 - s).",
    # ------------------------------------------------------------ 3. tanh
    "tanh_backward.summary": "backward of y = tanh(x)",
    "tanh_backward.prompt": "The forward pass computed y = tanh(x) elementwise. Given upstream "
    "(the gradient of the loss with respect to y, same shape as x), return dx.\n"
    "Derive dy/dx and apply the chain rule elementwise: dx = upstream * dy/dx.",
    "tanh_backward.todo": "compute y = tanh(x), then dx = upstream * dy/dx",
    "tanh_backward.hint1": "tanh(x) = sinh(x) / cosh(x): use the quotient rule, then write the "
    "result with y = tanh(x).",
    "tanh_backward.hint2": "dy/dx = (cosh(x)**2 - sinh(x)**2) / cosh(x)**2 = 1 - tanh(x)**2.",
    "tanh_backward.hint3": "dy/dx = 1 - y**2 with y = tanh(x); dx = upstream * (1 - y**2).",
    "tanh_backward.in_terms_of_input": "The derivative was evaluated at x instead of at y: "
    "1 - x**2. The formula 1 - y**2 needs the output y = tanh(x).",
    "tanh_backward.forgot_upstream": "The upstream gradient is missing: this is dy/dx alone; "
    "multiply it by upstream.",
    "tanh_backward.no_square": "1 - y is missing the square: the derivative is 1 - y**2.",
    "tanh_backward.sigmoid_form": "y * (1 - y) is the sigmoid's derivative; tanh's is 1 - y**2.",
    # ------------------------------------------------------------ 4. ReLU
    "relu_backward.summary": "backward of y = relu(x) = max(0, x)",
    "relu_backward.prompt": "The forward pass computed y = relu(x) = max(0, x) elementwise. "
    "Given upstream (dL/dy, same shape as x), return dx.\n"
    "ReLU passes the gradient where it passed the input and blocks it elsewhere. At x = 0 the "
    "slope is undefined; use 0 there, as tinygrad_lite and PyTorch do.",
    "relu_backward.todo": "dx = upstream where x > 0, and 0 elsewhere",
    "relu_backward.hint1": "The local derivative is 1 on one side of 0 and 0 on the other.",
    "relu_backward.hint2": "A boolean mask (x > 0) is the local derivative; multiplying by it "
    "keeps upstream where the mask is True.",
    "relu_backward.hint3": "dx = upstream * 1[x > 0]: upstream where x > 0, 0 where x <= 0.",
    "relu_backward.one_at_zero": "At x = 0 exactly the slope is taken as 1 (x >= 0). "
    "Any value in [0, 1] is a valid subgradient there; tinygrad_lite and PyTorch use 0 "
    "(x > 0), which keeps a unit with zero input switched off.",
    "relu_backward.forgot_upstream": "The upstream gradient is missing: this is the mask 1[x > 0] "
    "alone; multiply it by upstream.",
    "relu_backward.mask_by_upstream": "The mask was taken on upstream (upstream > 0) instead of "
    "on the forward input x: what ReLU blocked in the forward pass depends on x only.",
    "relu_backward.times_forward": "upstream was multiplied by relu(x), the forward output, "
    "instead of by the local derivative 1[x > 0].",
    # ------------------------------------------------------------ 5. broadcast product
    "mul_broadcast_backward.summary": "backward of out = a * b with a (N, D), b (D,) "
    "broadcast over the rows",
    "mul_broadcast_backward.prompt": "The forward pass computed out = a * b, a of shape (N, D) "
    "and b of shape (D,), so b was broadcast: every row of a was multiplied by the same b.\n"
    "Given upstream (N, D), return (da, db) with the shapes of a and b.\n"
    "Each element of out depends on one a[i, j] and on b[j]; b[j] was used N times.",
    "mul_broadcast_backward.todo": "da has a's shape (N, D), db has b's shape (D,)",
    "mul_broadcast_backward.hint1": "For a single product a * b the gradient of each factor "
    "is upstream times the other factor. Then fix the shapes.",
    "mul_broadcast_backward.hint2": "A value used in several places receives the sum of the "
    "gradients from every place: b[j] was used once per row.",
    "mul_broadcast_backward.hint3": "da = upstream * b (shape (N, D)); db = sum over the rows "
    "(axis 0) of upstream * a (shape (D,)).",
    "mul_broadcast_backward.db_not_summed": "db was not summed over the broadcast axis: it has "
    "shape (N, D), one row per use of b. b was used once per row, so its gradient is the sum "
    "over axis 0.",
    "mul_broadcast_backward.db_wrong_axis": "db was summed over axis 1 (the features) instead "
    "of axis 0 (the rows b was broadcast over). When N == D the shapes even agree.",
    "mul_broadcast_backward.db_summed_all": "db was summed over every axis, to one number: b has "
    "D elements, each with its own gradient; sum over axis 0 only.",
    "mul_broadcast_backward.db_mean": "db is the mean over the rows instead of the sum: each "
    "use of b adds its full gradient, so divide by nothing.",
    "mul_broadcast_backward.own_input": "Each gradient was multiplied by its own input instead "
    "of the other factor: d(a*b)/da = b and d(a*b)/db = a.",
    "mul_broadcast_backward.forgot_upstream": "The upstream gradient is missing: these are the "
    "local derivatives alone (b and the sum of a). Multiply by upstream before summing.",
    # ------------------------------------------------------------ 6. matmul
    "matmul_backward.summary": "backward of out = x @ W",
    "matmul_backward.prompt": "The forward pass computed out = x @ W, x of shape (N, D) and W "
    "of shape (D, M). Given upstream (N, M), return (dx, dW) with the shapes of x and W.\n"
    "Each gradient is a matrix product of upstream with the other factor; the shapes tell "
    "you which factor to transpose and on which side it goes.",
    "matmul_backward.todo": "dx has x's shape (N, D), dW has W's shape (D, M)",
    "matmul_backward.hint1": "Write out[i, k] = sum_j x[i, j] * W[j, k] and differentiate it "
    "with respect to one x[i, j] and one W[j, k].",
    "matmul_backward.hint2": "Only two shapes fit: (N, M) and (D, M) make (N, D) one way; "
    "(N, D) and (N, M) make (D, M) one way.",
    "matmul_backward.hint3": "dx = upstream @ W.T; dW = x.T @ upstream.",
    # ------------------------------------------------------------ 7. linear layer
    "linear_backward.summary": "backward of out = x @ W + b (a fully connected layer)",
    "linear_backward.prompt": "The forward pass computed out = x @ W + b: x (N, D), W (D, M), "
    "and the bias b (M,) broadcast over the N rows. Given upstream (N, M), return "
    "(dx, dW, db) with the shapes of x, W and b.\n"
    "x @ W is the previous exercise; the bias is a broadcast sum.",
    "linear_backward.todo": "dx (N, D), dW (D, M) as for x @ W; db has b's shape (M,)",
    "linear_backward.hint1": "Treat the two operations apart: the product x @ W, then + b. "
    "Addition passes upstream unchanged to both of its inputs.",
    "linear_backward.hint2": "b was added to every row, so it collects upstream from every "
    "row: sum over the batch axis.",
    "linear_backward.hint3": "dx = upstream @ W.T; dW = x.T @ upstream; db = upstream summed "
    "over axis 0.",
    "linear_backward.db_not_summed": "db is upstream itself, shape (N, M): the bias was added "
    "to all N rows, so its gradient is upstream summed over axis 0.",
    "linear_backward.db_wrong_axis": "db was summed over axis 1 instead of the batch axis 0. "
    "When N == M the shape is even right.",
    "linear_backward.db_mean": "db is the mean of upstream over the batch instead of the sum: "
    "the 1/N of a mean loss is already inside upstream.",
    "linear_backward.db_ones": "db is all ones: that is the local derivative d(out)/db alone. "
    "Multiply by upstream and sum over the batch.",
    # ------------------------------------------------------------ 8. softmax cross-entropy
    "softmax_cross_entropy_backward.summary": "gradient of the mean softmax cross-entropy "
    "with respect to the scores",
    "softmax_cross_entropy_backward.prompt": "scores has shape (N, C), labels (N,) holds the "
    "correct class of each row. The loss is\n"
    "L = (1/N) * sum_i -log p[i, labels[i]], with p = softmax(scores) row by row.\n"
    "Return dscores = dL/dscores, shape (N, C).",
    "softmax_cross_entropy_backward.todo": "compute p = softmax(scores) per row, then "
    "dscores of shape (N, C)",
    "softmax_cross_entropy_backward.hint1": "Differentiate -log p_y for one row with respect to "
    "every score s_j; the cases j == y and j != y differ.",
    "softmax_cross_entropy_backward.hint2": "-log p_y = -s_y + log sum_k exp(s_k), whose "
    "derivative is p_j - 1[j == y]. Then remember the mean over the rows.",
    "softmax_cross_entropy_backward.hint3": "dscores = (p - one_hot(labels)) / N, with "
    "p = softmax(scores) computed row by row (subtract each row's max before exp).",
    "softmax_cross_entropy_backward.no_one_hot": "The one-hot labels were not subtracted: this "
    "is p / N. The -s_y term of the loss gives -1 at each row's correct class.",
    "softmax_cross_entropy_backward.no_mean": "Not divided by N: this is the gradient of the "
    "summed loss. The loss is the mean over the batch, so every row's gradient gets 1/N.",
    "softmax_cross_entropy_backward.scores_not_probabilities": "The raw scores were used where "
    "the probabilities p = softmax(scores) belong: (scores - one_hot) / N.",
    "softmax_cross_entropy_backward.minus_one_everywhere": "1 was subtracted from every class; "
    "only the correct class of each row gets the -1 (p - one_hot).",
    # ------------------------------------------------------------ 9. multiclass SVM
    "svm_loss_backward.summary": "gradient of the mean multiclass SVM loss (margin 1)",
    "svm_loss_backward.prompt": "scores has shape (N, C), labels (N,) the correct classes. "
    "The loss of row i is sum over j != y of max(0, s_j - s_y + 1), and L is the mean over "
    "the rows. Return dscores = dL/dscores, shape (N, C).\n"
    "Each wrong class whose margin is positive pushes its own score up and the correct "
    "class's score down.",
    "svm_loss_backward.todo": "count, per row, the wrong classes with a positive margin",
    "svm_loss_backward.hint1": "max(0, m) has slope 1 where m > 0 and 0 elsewhere (take 0 at "
    "m = 0 exactly, like ReLU).",
    "svm_loss_backward.hint2": "A counted margin s_j - s_y + 1 adds +1 to dscores[i, j] and -1 "
    "to dscores[i, y]. The correct class is not one of the j.",
    "svm_loss_backward.hint3": "dscores[i, j] = 1[s_j - s_y + 1 > 0] for j != y; "
    "dscores[i, y] = -(the number of such j); then divide everything by N.",
    "svm_loss_backward.counted_correct_class": "The correct class's own margin was counted: "
    "for j = y it is s_y - s_y + 1 = 1 > 0 always, so every row's correct class gets one -1 "
    "too many. Zero it before counting.",
    "svm_loss_backward.greater_or_equal": "Margins exactly 0 were counted (>= 0). There the "
    "loss term max(0, 0) is at its kink and the course (and tinygrad_lite) take slope 0: use "
    "> 0. The drawn scores include such ties.",
    "svm_loss_backward.forgot_correct_class": "The correct class's score was left out: it "
    "appears in every counted margin as -s_y, so dscores[i, y] = -(number of counted margins).",
    "svm_loss_backward.no_mean": "Not divided by N: the loss is the mean over the batch.",
    # ------------------------------------------------------------ 10. MSE
    "mse_backward.summary": "gradient of the mean squared error with respect to pred",
    "mse_backward.prompt": "L = mean((pred - target)**2) over all elements of pred (any "
    "shape). Return dpred = dL/dpred, with pred's shape.",
    "mse_backward.todo": "dpred has pred's shape; the mean is over every element",
    "mse_backward.hint1": "Each element appears in one term of the sum; the mean divides "
    "that sum by the number of terms.",
    "mse_backward.hint2": "d(pred - target)**2 / dpred = 2 * (pred - target); the mean is over "
    "pred.size elements, not only the rows.",
    "mse_backward.hint3": "dpred = 2 * (pred - target) / pred.size.",
    "mse_backward.forgot_two": "The 2 from the square is missing: (pred - target) / size is the "
    "gradient of half the MSE, a different loss.",
    "mse_backward.divided_by_rows": "Divided by the number of rows, len(pred), instead of the "
    "number of elements pred.size: the mean is over every element.",
    "mse_backward.no_mean": "Not divided by the number of elements: this is the gradient of "
    "the summed squared error.",
    # ------------------------------------------------------------ 11. Momentum
    "momentum_update.summary": "one step of SGD with momentum",
    "momentum_update.prompt": "SGD with momentum keeps a velocity v per weight:\n"
    "v_new = momentum * v - lr * g;  w_new = w + v_new.\n"
    "Return (w_new, v_new) as new arrays; do not change w or v in place.",
    "momentum_update.todo": "return (w_new, v_new), new arrays",
    "momentum_update.hint1": "First update the velocity, then move the weights by the new "
    "velocity.",
    "momentum_update.hint2": "The velocity decays by the factor momentum and takes a step "
    "against the gradient (minus lr * g).",
    "momentum_update.hint3": "v_new = momentum * v - lr * g; w_new = w + v_new.",
    "momentum_update.plus_sign": "The velocity adds the gradient (momentum * v + lr * g): the "
    "step goes uphill. Descent subtracts: momentum * v - lr * g.",
    "momentum_update.old_velocity": "w moved by the old velocity v instead of the new one: "
    "update v first, then w_new = w + v_new.",
    "momentum_update.forgot_momentum": "The old velocity was not multiplied by momentum "
    "(v - lr * g): without the decay the velocity never forgets old gradients.",
    "momentum_update.lr_on_velocity": "lr scales the velocity (v = momentum * v - g; w += lr * v) "
    "instead of the gradient: a different method when the velocity is not zero.",
    # ------------------------------------------------------------ 12. Adam
    "adam_update.summary": "one step of Adam with bias correction",
    "adam_update.prompt": "Adam keeps two moving averages per weight and corrects their start "
    "at zero. Step t (t = 1 on the first step):\n"
    "m_new = beta1 * m + (1 - beta1) * g;  v_new = beta2 * v + (1 - beta2) * g**2\n"
    "m_hat = m_new / (1 - beta1**t);  v_hat = v_new / (1 - beta2**t)\n"
    "w_new = w - lr * m_hat / (sqrt(v_hat) + eps)\n"
    "Return (w_new, m_new, v_new): the averages without the correction, as new arrays.",
    "adam_update.todo": "return (w_new, m_new, v_new), new arrays",
    "adam_update.hint1": "m is the momentum part, v the RMSProp part; the correction divides "
    "each by 1 - beta**t.",
    "adam_update.hint2": "t counts steps from 1: at t = 1, 1 - beta1**1 = 1 - beta1. eps is "
    "added after the square root.",
    "adam_update.hint3": "The five lines of the prompt, in that order; return w_new, and m_new "
    "and v_new before the correction.",
    "adam_update.no_bias_correction": "No bias correction: m and v start at zero, so early "
    "steps are too small unless each is divided by 1 - beta**t.",
    "adam_update.eps_inside_sqrt": "eps is inside the square root (sqrt(v_hat + eps)); Adam adds "
    "it after: sqrt(v_hat) + eps. It shows when v_hat is small next to eps.",
    "adam_update.t_from_zero": "The bias correction counts steps from 0 (beta**(t - 1)): at the "
    "first step 1 - beta**0 = 0, a division by zero. t is 1 on the first step.",
    "adam_update.t_plus_one": "The bias correction uses beta**(t + 1): t is already 1 on the "
    "first step, so use beta**t.",
    "adam_update.corrected_state": "The corrected m_hat and v_hat were returned as the new "
    "state; the state keeps the uncorrected averages m_new and v_new (the correction is "
    "recomputed each step).",
    "adam_update.g_not_squared": "v averages g instead of g**2: v is the mean of the squared "
    "gradient (the RMSProp part).",
    "adam_update.no_sqrt": "The square root of v_hat is missing: the step divides by "
    "sqrt(v_hat) + eps, the root mean square of the gradient.",
    # ------------------------------------------------------------ 13. He initialization
    "he_init_std.summary": "the standard deviation of He initialization",
    "he_init_std.prompt": "A layer with fan_in inputs followed by ReLU keeps the variance of "
    "its activations from layer to layer when its weights are drawn from N(0, std**2) with "
    "He's std. Return that std (a float) for the given fan_in.\n"
    "ReLU zeroes half of its inputs, which halves the variance; He's choice makes up for it.",
    "he_init_std.todo": "return the standard deviation, a float",
    "he_init_std.hint1": "Var(sum of fan_in terms w * x) = fan_in * Var(w) * E[x**2]; ReLU "
    "halves E[x**2].",
    "he_init_std.hint2": "To keep the variance, fan_in * Var(w) / 2 = 1. The answer is a "
    "standard deviation, the square root of a variance.",
    "he_init_std.hint3": "Var(w) = 2 / fan_in, so std = sqrt(2 / fan_in).",
    "he_init_std.lecun_or_xavier": "This is sqrt(1 / fan_in): LeCun's std (and Xavier's "
    "sqrt(2 / (fan_in + fan_out)) when fan_out = fan_in). They suit tanh; ReLU zeroes half "
    "of its inputs, so He doubles the variance: sqrt(2 / fan_in).",
    "he_init_std.variance_not_std": "This is the variance 2 / fan_in, not the standard "
    "deviation: take its square root.",
    "he_init_std.uniform_bound": "sqrt(6 / fan_in) is the limit a of He's uniform version "
    "U(-a, a), not the standard deviation of the normal one.",
    "he_init_std.no_sqrt_of_fan_in": "sqrt(2) / fan_in divides by fan_in instead of by its "
    "square root: std = sqrt(2 / fan_in).",
}
