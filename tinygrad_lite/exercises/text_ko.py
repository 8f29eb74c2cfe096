"""The exercises' Korean texts, by message id: the same ids as ``text_en.py``.

Written in 합니다체 with the terms of the project's Korean glossary (기울기, 상류 기울기,
국소 미분, 연쇄 법칙, 역전파, 학습률, 모멘텀, 편향 보정, ...). Math, code and API names are
left as they are. Raised errors (``error.*``) have no entry: they stay English everywhere.
"""

MESSAGES: dict[str, str] = {
    # ------------------------------------------------------------ the checker's words
    "status.passed": "통과",
    "status.failed": "실패",
    "status.not_attempted": "아직 풀지 않음",
    "list.passed": "통과",
    "list.failed": "실패",
    "list.unchecked": "확인 전",
    "list.cli_hint": "참고: Python에서는 ex.get(NAME).template이 채워 넣을 함수입니다. "
    "파일 하나를 채점하려면 `tinygrad-lite exercises check FILE.py`를 실행하십시오.",
    "prompt.signature": "작성할 함수",
    "prompt.example": "예시",
    "verdict.diagnosis": "예상되는 실수",
    "verdict.diagnosis.passed": "참고",
    "counterexample.title": "틀린 결과가 나온 가장 작은 입력",
    "counterexample.title.passed": "결과가 달라지는 가장 작은 입력",
    "counterexample.expected": "기댓값",
    "counterexample.received": "실제 결과",
    "verdict.checked": "무작위로 뽑은 입력 {count}개에서 {name}의 결과를 tinygrad_lite의 "
    "결과와 비교했습니다.",
    "verdict.error": "{on}가장 큰 상대 오차 |a - b| / max(|a|, |b|)는 {error}입니다 ({band}).",
    "verdict.error_some": "모양이 맞는 값을 반환한 입력 {count}개에서 ",
    "band.fine": "< 1e-7: 정상",
    "band.suspicious": "< 1e-4: 의심스러움, 꺾이는 점이나 float32 계산에서만 받아들일 수 있는 수준",
    "band.wrong": ">= 1e-4: 틀림",
    "verdict.not_attempted": "함수가 아직 NotImplementedError를 일으킵니다. 그 줄을 여러분의 "
    "코드로 바꾸십시오.",
    "verdict.not_callable": "check()에는 check(my_function)처럼 함수 자체를 넘겨야 합니다. "
    "넘겨받은 것은 {got} 형식의 객체입니다.",
    "verdict.raised": "{name} 함수를 실행하는 중에 예외가 발생했습니다: {error}.",
    "verdict.where": "({function}의 {line}번째 줄)",
    "verdict.returned_none": "None을 반환했습니다. return 문을 빠뜨리지 않았는지 확인하십시오.",
    "verdict.count": "값 {count}개를 반환해야 하는데, 반환한 것은 {got}입니다. "
    "return {names} 형태로 반환하십시오.",
    "verdict.values": "값 {count}개짜리 {kind}",
    "verdict.one_value": "{kind} 하나",
    "verdict.not_numeric": "{output}의 형식이 {got}입니다. 숫자 배열이어야 합니다.",
    "verdict.shape": "{output}의 모양이 {got}입니다. {want}이어야 합니다{of}.",
    "verdict.shape_of": ". {input}에 대한 기울기는 {input}와 모양이 같습니다",
    "verdict.dtype": "{output}의 dtype이 {got}입니다. 실수(부동소수점) 값을 반환하십시오. "
    "마스크에 실수 배열을 곱하거나 .astype(float)를 쓰면 됩니다.",
    "verdict.mutated": "{name} 함수가 인자 {input}의 값을 그 자리에서 바꾸었습니다(+=, -=, *= "
    "또는 인덱스 대입). 그래서 함수를 호출한 쪽의 배열도 바뀌었습니다. w_new = w + v_new처럼 "
    "새 배열을 계산하거나, 복사본으로 작업하십시오.",
    "verdict.convention_only": "꺾이는 점에서의 값 하나만 다르고, 그 값도 올바른 선택입니다. "
    "통과로 처리합니다. 아래 참고를 읽어 보십시오.",
    "verdict.unexplained": "{outputs}: 알려진 실수 가운데 이 결과와 맞는 것이 없습니다. "
    "여러분의 공식을 hint(3)과 비교해 보십시오.",
    "grade.file_failed": "{path} 파일을 실행하지 못했습니다: {error}",
    "grade.line": " ({line}번째 줄)",
    "grade.none_found": "{path} 파일에 연습 문제 함수가 하나도 없습니다. 함수 이름을 연습 "
    "문제 이름과 같게 지으십시오: {names}.",
    "grade.summary": "{path}의 연습 문제 {count}개 가운데 {passed}개를 통과했습니다.",
    "grade.missing": "파일에 없는 연습 문제: {names}.",
    # ------------------------------------------------------------ shared mistakes
    "common.sign": "부호가 뒤집혔습니다. 결과가 정확히 기울기에 -1을 곱한 값입니다. 미분의 "
    "각 단계에서 빠뜨린 마이너스 부호가 없는지 확인하십시오(예: d(-s_y)/ds_y = -1).",
    "common.double": "기울기의 두 배입니다. 2가 한 번 더 곱해졌습니다. 제곱이 없는 곳에 "
    "x**2의 미분을 쓰거나 같은 항을 두 번 더하면 이렇게 됩니다.",
    "common.half": "기울기의 절반입니다. 2가 빠졌습니다. d(x**2)/dx = 2x의 2를 빠뜨리거나 "
    "합의 한 항을 빼먹으면 이렇게 됩니다.",
    "matmul.dx_not_transposed": "dx를 upstream @ W.T가 아니라 upstream @ W로 계산했습니다. "
    "모양을 확인해 보십시오. upstream은 (N, M), W는 (D, M)이므로 W.T를 곱해야만 모양이 "
    "(N, D)인 dx가 나옵니다. M == D이면 잘못된 곱셈도 실행되어 틀린 값이 나오고, 그렇지 "
    "않으면 오류가 납니다.",
    "matmul.dx_transposed": "dx가 전치된 채로 나왔습니다(W @ upstream.T, 모양 (D, N)). "
    "곱하는 순서가 바뀌었습니다. dx = upstream @ W.T는 x와 같은 모양 (N, D)입니다.",
    "matmul.dW_not_transposed": "dW를 x.T @ upstream이 아니라 x @ upstream으로 계산했습니다. "
    "x는 (N, D), upstream은 (N, M)이므로 배치 축 N에 대해 합해야 하는데, 그 계산이 바로 "
    "x.T @ upstream입니다. 잘못된 곱셈은 D == N일 때만 실행됩니다.",
    "matmul.dW_transposed": "dW가 전치된 채로 나왔습니다(upstream.T @ x, 모양 (M, D)). "
    "dW = x.T @ upstream은 W와 같은 모양 (D, M)입니다.",
    "matmul.dW_mean": "dW를 배치 크기 N으로 나누었습니다. 배치에 대한 평균은 손실 함수의 "
    "몫이고, 그 1/N은 손실의 기울기를 통해 이미 upstream에 들어 있습니다. 행렬 곱에서 "
    "1/N이 더 생기지는 않습니다.",
    # ------------------------------------------------------------ 1. chain rule on a scalar
    "chain_rule_scalar.summary": "y = tanh(x*w + b)의 dy/dx, dy/dw, dy/db를 연쇄 법칙으로 구하기",
    "chain_rule_scalar.prompt": "입력이 하나인 뉴런이 z = x*w + b를 계산한 다음 "
    "y = tanh(z)를 출력합니다.\n"
    "주어진 값에서 세 미분값 (dy_dx, dy_dw, dy_db)를 구해 반환하십시오.\n"
    "연쇄 법칙에 따라 dy/dx = dy/dz * dz/dx이고, w와 b도 마찬가지입니다. tanh의 미분 "
    "dy/dz를 유도하고, 곱과 합으로 된 z에서 dz/dx, dz/dw, dz/db를 구하십시오.",
    "chain_rule_scalar.todo": "z와 y를 계산하고 dy/dz를 구한 뒤, dz/dx, dz/dw, dz/db를 "
    "각각 곱하십시오",
    "chain_rule_scalar.hint1": "두 단계로 나누어 생각하십시오. 먼저 세 값에 공통인 바깥 "
    "미분 dy/dz를 구하고, 그다음 여기에 각각의 안쪽 미분을 곱합니다.",
    "chain_rule_scalar.hint2": "tanh의 미분은 출력 y로 나타내는 것이 가장 간단합니다. "
    "안쪽의 z = x*w + b는 x, w, b 각각에 대해 일차식입니다.",
    "chain_rule_scalar.hint3": "dy/dz = 1 - y**2이고, dz/dx = w, dz/dw = x, dz/db = 1입니다. "
    "따라서 dy_dx = (1 - y**2) * w, dy_dw = (1 - y**2) * x, dy_db = 1 - y**2입니다.",
    "chain_rule_scalar.in_terms_of_input": "tanh의 미분에 입력을 넣었습니다. y = tanh(z)로 "
    "1 - y**2를 계산해야 하는데 1 - z**2를 계산했습니다. 1 - y**2는 출력으로 나타낸 "
    "공식이므로, 입력 z를 넣으면 다른 값이 나옵니다.",
    "chain_rule_scalar.forgot_tanh": "바깥 미분이 빠졌습니다. 이 값들은 z = x*w + b만의 "
    "미분(w, x, 1)입니다. 각각에 dy/dz = 1 - y**2를 곱하십시오.",
    "chain_rule_scalar.forgot_inner": "안쪽 미분이 빠졌습니다. 세 답이 모두 dy/dz입니다. "
    "각각에 dz/dx = w, dz/dw = x, dz/db = 1을 곱하십시오.",
    "chain_rule_scalar.swapped_inner": "dy_dx와 dy_dw가 서로 바뀌었습니다. dz/dx는 x에 "
    "곱해진 값인 w이고, dz/dw = x입니다.",
    "chain_rule_scalar.sigmoid_form": "y * (1 - y)는 시그모이드의 미분입니다. tanh의 미분은 "
    "1 - y**2입니다.",
    # ------------------------------------------------------------ 2. sigmoid
    "sigmoid_backward.summary": "s = sigmoid(x) = 1 / (1 + exp(-x))의 역전파",
    "sigmoid_backward.prompt": "순전파에서 원소별로 s = sigmoid(x) = 1 / (1 + exp(-x))를 "
    "계산했습니다. s에 대한 손실의 기울기 upstream(x와 같은 모양)이 주어질 때, x에 대한 "
    "손실의 기울기 dx를 반환하십시오.\n"
    "ds/dx를 유도한 다음, 원소별로 연쇄 법칙을 적용합니다: dx = upstream * ds/dx.",
    "sigmoid_backward.todo": "s = sigmoid(x)를 계산한 뒤 dx = upstream * ds/dx를 구하십시오",
    "sigmoid_backward.hint1": "s = 1 / u, u = 1 + exp(-x)로 놓고 두 부분을 각각 미분하십시오. "
    "그런 다음 결과를 s로 나타내십시오.",
    "sigmoid_backward.hint2": "ds/dx = exp(-x) / (1 + exp(-x))**2이고, "
    "exp(-x) / (1 + exp(-x)) = 1 - s입니다.",
    "sigmoid_backward.hint3": "ds/dx = s * (1 - s)이며, s = sigmoid(x)에서 계산합니다. "
    "dx = upstream * s * (1 - s)입니다.",
    "sigmoid_backward.in_terms_of_input": "미분을 s가 아니라 x에서 계산했습니다: "
    "x * (1 - x). s * (1 - s) 공식에는 시그모이드의 출력 s = sigmoid(x)를 넣어야 합니다.",
    "sigmoid_backward.forgot_upstream": "상류 기울기가 빠졌습니다. 이 값은 ds/dx뿐입니다. "
    "연쇄 법칙에 따라 국소 미분에 upstream을 곱해야 합니다.",
    "sigmoid_backward.tanh_form": "1 - s**2는 tanh 미분의 꼴입니다. 시그모이드의 미분은 "
    "s * (1 - s)입니다.",
    # ------------------------------------------------------------ 3. tanh
    "tanh_backward.summary": "y = tanh(x)의 역전파",
    "tanh_backward.prompt": "순전파에서 원소별로 y = tanh(x)를 계산했습니다. upstream(y에 "
    "대한 손실의 기울기, x와 같은 모양)이 주어질 때 dx를 반환하십시오.\n"
    "dy/dx를 유도하고, 원소별로 연쇄 법칙을 적용합니다: dx = upstream * dy/dx.",
    "tanh_backward.todo": "y = tanh(x)를 계산한 뒤 dx = upstream * dy/dx를 구하십시오",
    "tanh_backward.hint1": "tanh(x) = sinh(x) / cosh(x)입니다. 몫의 미분법을 쓴 다음, "
    "결과를 y = tanh(x)로 나타내십시오.",
    "tanh_backward.hint2": "dy/dx = (cosh(x)**2 - sinh(x)**2) / cosh(x)**2 = 1 - tanh(x)**2입니다.",
    "tanh_backward.hint3": "y = tanh(x)일 때 dy/dx = 1 - y**2이고, "
    "dx = upstream * (1 - y**2)입니다.",
    "tanh_backward.in_terms_of_input": "미분을 y가 아니라 x에서 계산했습니다: 1 - x**2. "
    "1 - y**2 공식에는 출력 y = tanh(x)를 넣어야 합니다.",
    "tanh_backward.forgot_upstream": "상류 기울기가 빠졌습니다. 이 값은 dy/dx뿐입니다. "
    "여기에 upstream을 곱하십시오.",
    "tanh_backward.no_square": "1 - y에 제곱이 빠졌습니다. 미분은 1 - y**2입니다.",
    "tanh_backward.sigmoid_form": "y * (1 - y)는 시그모이드의 미분입니다. tanh의 미분은 "
    "1 - y**2입니다.",
    # ------------------------------------------------------------ 4. ReLU
    "relu_backward.summary": "y = relu(x) = max(0, x)의 역전파",
    "relu_backward.prompt": "순전파에서 원소별로 y = relu(x) = max(0, x)를 계산했습니다. "
    "upstream(dL/dy, x와 같은 모양)이 주어질 때 dx를 반환하십시오.\n"
    "ReLU는 순전파에서 입력을 통과시킨 곳으로만 기울기를 흘려보내고, 나머지 곳에서는 "
    "막습니다. x = 0에서는 미분값이 정의되지 않으므로, tinygrad_lite와 PyTorch처럼 0으로 "
    "두십시오.",
    "relu_backward.todo": "x > 0인 곳에서는 dx = upstream, 나머지 곳에서는 0입니다",
    "relu_backward.hint1": "국소 미분은 0을 기준으로 한쪽에서 1이고 다른 쪽에서 0입니다.",
    "relu_backward.hint2": "불리언 마스크 (x > 0) 자체가 국소 미분입니다. 이 마스크를 곱하면 "
    "마스크가 True인 곳의 upstream만 남습니다.",
    "relu_backward.hint3": "dx = upstream * 1[x > 0]입니다. x > 0인 곳은 upstream, "
    "x <= 0인 곳은 0입니다.",
    "relu_backward.one_at_zero": "x가 정확히 0인 곳의 미분값을 1로 두었습니다(x >= 0). "
    "그 점에서는 [0, 1] 사이의 어떤 값도 올바른 서브그래디언트(subgradient)입니다. "
    "tinygrad_lite와 PyTorch는 0을 씁니다(x > 0). 그래야 입력이 0인 유닛이 꺼진 상태로 "
    "남습니다.",
    "relu_backward.forgot_upstream": "상류 기울기가 빠졌습니다. 이 값은 마스크 1[x > 0]뿐입니다. "
    "여기에 upstream을 곱하십시오.",
    "relu_backward.mask_by_upstream": "마스크를 순전파의 입력 x가 아니라 upstream으로 "
    "만들었습니다(upstream > 0). ReLU가 순전파에서 무엇을 막았는지는 x에만 달려 있습니다.",
    "relu_backward.times_forward": "upstream에 국소 미분 1[x > 0]이 아니라 순전파의 출력 "
    "relu(x)를 곱했습니다.",
    # ------------------------------------------------------------ 5. broadcast product
    "mul_broadcast_backward.summary": "out = a * b의 역전파 (a는 (N, D), b는 (D,)이며 "
    "행마다 브로드캐스팅됨)",
    "mul_broadcast_backward.prompt": "순전파에서 out = a * b를 계산했습니다. a의 모양은 "
    "(N, D), b의 모양은 (D,)이므로 b가 브로드캐스팅되어, a의 모든 행에 같은 b가 "
    "곱해졌습니다.\n"
    "upstream (N, D)가 주어질 때 a, b와 각각 같은 모양인 (da, db)를 반환하십시오.\n"
    "out의 각 원소는 a[i, j] 하나와 b[j]에 의존하며, b[j]는 N번 쓰였습니다.",
    "mul_broadcast_backward.todo": "da는 a와 같은 모양 (N, D), db는 b와 같은 모양 (D,)입니다",
    "mul_broadcast_backward.hint1": "곱 a * b 하나만 보면, 각 인수의 기울기는 upstream에 "
    "다른 인수를 곱한 것입니다. 그런 다음 모양을 맞추십시오.",
    "mul_broadcast_backward.hint2": "여러 곳에서 쓰인 값은 쓰인 모든 곳에서 온 기울기의 합을 "
    "받습니다. b[j]는 행마다 한 번씩 쓰였습니다.",
    "mul_broadcast_backward.hint3": "da = upstream * b (모양 (N, D))이고, db는 upstream * a를 "
    "행 방향(axis 0)으로 합한 것(모양 (D,))입니다.",
    "mul_broadcast_backward.db_not_summed": "db를 브로드캐스팅된 축에 대해 합하지 않았습니다. "
    "모양이 (N, D)여서, b가 쓰인 곳마다 한 행씩 따로 있습니다. b는 행마다 한 번씩 쓰였으므로 그 "
    "기울기는 axis 0에 대한 합입니다.",
    "mul_broadcast_backward.db_wrong_axis": "db를 b가 브로드캐스팅된 행 축(axis 0)이 아니라 "
    "특성 축(axis 1)에 대해 합했습니다. N == D이면 모양까지 맞아 보입니다.",
    "mul_broadcast_backward.db_summed_all": "db를 모든 축에 대해 합해 숫자 하나로 "
    "만들었습니다. b의 원소 D개는 저마다 자기 기울기를 가집니다. axis 0에 대해서만 "
    "합하십시오.",
    "mul_broadcast_backward.db_mean": "db를 행에 대한 합이 아니라 평균으로 구했습니다. b가 "
    "쓰인 곳마다 기울기가 온전히 더해지므로, 아무것으로도 나누지 않습니다.",
    "mul_broadcast_backward.own_input": "각 기울기에 다른 인수가 아니라 자기 자신의 입력을 "
    "곱했습니다. d(a*b)/da = b이고 d(a*b)/db = a입니다.",
    "mul_broadcast_backward.forgot_upstream": "상류 기울기가 빠졌습니다. 이 값들은 국소 "
    "미분(b와 a의 합)뿐입니다. 합하기 전에 upstream을 곱하십시오.",
    # ------------------------------------------------------------ 6. matmul
    "matmul_backward.summary": "out = x @ W의 역전파",
    "matmul_backward.prompt": "순전파에서 out = x @ W를 계산했습니다. x의 모양은 (N, D), "
    "W의 모양은 (D, M)입니다. upstream (N, M)이 주어질 때 x, W와 각각 같은 모양인 "
    "(dx, dW)를 반환하십시오.\n"
    "각 기울기는 upstream과 다른 인수의 행렬 곱입니다. 어느 인수를 전치하고 어느 쪽에 "
    "곱할지는 모양을 보면 알 수 있습니다.",
    "matmul_backward.todo": "dx는 x와 같은 모양 (N, D), dW는 W와 같은 모양 (D, M)입니다",
    "matmul_backward.hint1": "out[i, k] = sum_j x[i, j] * W[j, k]로 풀어 쓰고, x[i, j] 하나와 "
    "W[j, k] 하나에 대해 각각 미분해 보십시오.",
    "matmul_backward.hint2": "모양이 맞는 조합은 하나뿐입니다. (N, M)과 (D, M)으로 (N, D)를 "
    "만드는 방법이 하나, (N, D)와 (N, M)으로 (D, M)을 만드는 방법이 하나입니다.",
    "matmul_backward.hint3": "dx = upstream @ W.T, dW = x.T @ upstream입니다.",
    # ------------------------------------------------------------ 7. linear layer
    "linear_backward.summary": "out = x @ W + b(완전 연결 층)의 역전파",
    "linear_backward.prompt": "순전파에서 out = x @ W + b를 계산했습니다. x는 (N, D), W는 "
    "(D, M)이고, 편향 b (M,)은 N개의 행에 브로드캐스팅되었습니다. upstream (N, M)이 주어질 "
    "때 x, W, b와 각각 같은 모양인 (dx, dW, db)를 반환하십시오.\n"
    "x @ W는 앞 문제와 같고, 편향은 브로드캐스팅된 덧셈입니다.",
    "linear_backward.todo": "dx (N, D)와 dW (D, M)은 x @ W일 때와 같고, db는 b와 같은 "
    "모양 (M,)입니다",
    "linear_backward.hint1": "두 연산을 따로 다루십시오. 먼저 곱 x @ W, 그다음 + b입니다. "
    "덧셈은 upstream을 두 입력에 그대로 전달합니다.",
    "linear_backward.hint2": "b는 모든 행에 더해졌으므로 모든 행의 upstream을 모아서 받습니다. "
    "배치 축에 대해 합하십시오.",
    "linear_backward.hint3": "dx = upstream @ W.T, dW = x.T @ upstream이고, db는 upstream을 "
    "axis 0에 대해 합한 것입니다.",
    "linear_backward.db_not_summed": "db가 upstream 그 자체로, 모양이 (N, M)입니다. 편향은 "
    "N개의 행 모두에 더해졌으므로 그 기울기는 upstream을 axis 0에 대해 합한 것입니다.",
    "linear_backward.db_wrong_axis": "db를 배치 축 axis 0이 아니라 axis 1에 대해 합했습니다. "
    "N == M이면 모양까지 맞습니다.",
    "linear_backward.db_mean": "db를 upstream의 배치 합이 아니라 배치 평균으로 구했습니다. "
    "평균 손실의 1/N은 이미 upstream에 들어 있습니다.",
    "linear_backward.db_ones": "db가 모두 1입니다. 이것은 국소 미분 d(out)/db뿐입니다. "
    "upstream을 곱한 다음 배치에 대해 합하십시오.",
    # ------------------------------------------------------------ 8. softmax cross-entropy
    "softmax_cross_entropy_backward.summary": "평균 소프트맥스 교차 엔트로피 손실의 점수에 "
    "대한 기울기",
    "softmax_cross_entropy_backward.prompt": "scores의 모양은 (N, C)이고, labels (N,)에는 각 "
    "행의 정답 클래스가 들어 있습니다. 손실은 다음과 같습니다.\n"
    "L = (1/N) * sum_i -log p[i, labels[i]], 여기서 p = softmax(scores)는 행마다 "
    "계산합니다.\n"
    "dscores = dL/dscores (모양 (N, C))를 반환하십시오.",
    "softmax_cross_entropy_backward.todo": "행마다 p = softmax(scores)를 계산한 뒤, 모양이 "
    "(N, C)인 dscores를 구하십시오",
    "softmax_cross_entropy_backward.hint1": "한 행의 -log p_y를 모든 점수 s_j에 대해 "
    "미분하십시오. j == y인 경우와 j != y인 경우가 다릅니다.",
    "softmax_cross_entropy_backward.hint2": "-log p_y = -s_y + log sum_k exp(s_k)이고, 이 "
    "식의 미분은 p_j - 1[j == y]입니다. 행에 대한 평균도 잊지 마십시오.",
    "softmax_cross_entropy_backward.hint3": "dscores = (p - one_hot(labels)) / N이며, "
    "p = softmax(scores)는 행마다 계산합니다(exp를 구하기 전에 각 행의 최댓값을 "
    "빼십시오).",
    "softmax_cross_entropy_backward.no_one_hot": "원-핫 레이블을 빼지 않았습니다. 이 값은 "
    "p / N입니다. 손실의 -s_y 항 때문에 각 행의 정답 클래스에는 -1이 생깁니다.",
    "softmax_cross_entropy_backward.no_mean": "N으로 나누지 않았습니다. 이것은 행별 손실을 "
    "모두 더한 값의 기울기입니다. 손실은 배치에 대한 평균이므로 각 행의 기울기에 1/N이 "
    "곱해집니다.",
    "softmax_cross_entropy_backward.scores_not_probabilities": "확률 p = softmax(scores)를 "
    "써야 할 자리에 점수를 그대로 썼습니다: (scores - one_hot) / N.",
    "softmax_cross_entropy_backward.minus_one_everywhere": "모든 클래스에서 1을 뺐습니다. "
    "-1은 각 행의 정답 클래스에만 붙습니다(p - one_hot).",
    # ------------------------------------------------------------ 9. multiclass SVM
    "svm_loss_backward.summary": "평균 멀티클래스 SVM 손실(마진 1)의 기울기",
    "svm_loss_backward.prompt": "scores의 모양은 (N, C)이고, labels (N,)은 정답 클래스입니다. "
    "i번째 행의 손실은 j != y인 모든 j에 대한 max(0, s_j - s_y + 1)의 합이고, L은 행에 "
    "대한 평균입니다. dscores = dL/dscores (모양 (N, C))를 반환하십시오.\n"
    "마진이 양수인 오답 클래스는 저마다 자기 점수를 위로, 정답 클래스의 점수를 아래로 "
    "미는 기울기를 만듭니다.",
    "svm_loss_backward.todo": "행마다 마진이 양수인 오답 클래스의 수를 세십시오",
    "svm_loss_backward.hint1": "max(0, m)의 미분값은 m > 0인 곳에서 1이고 그 밖에서는 "
    "0입니다(m이 정확히 0이면 ReLU처럼 0으로 둡니다).",
    "svm_loss_backward.hint2": "세어진 마진 s_j - s_y + 1 하나마다 dscores[i, j]에 +1, "
    "dscores[i, y]에 -1이 더해집니다. 정답 클래스는 j에 포함되지 않습니다.",
    "svm_loss_backward.hint3": "j != y이면 dscores[i, j] = 1[s_j - s_y + 1 > 0]이고, "
    "dscores[i, y] = -(그런 j의 개수)입니다. 마지막에 전체를 N으로 나눕니다.",
    "svm_loss_backward.counted_correct_class": "정답 클래스 자신의 마진까지 셌습니다. "
    "j = y이면 마진이 s_y - s_y + 1 = 1 > 0이어서 언제나 세어지므로, 모든 행의 정답 "
    "클래스에 -1이 하나씩 더 붙습니다. 세기 전에 그 마진을 0으로 만드십시오.",
    "svm_loss_backward.greater_or_equal": "마진이 정확히 0인 경우까지 셌습니다(>= 0). 마진이 "
    "0이면 손실 항 max(0, 0)이 꺾이는 점에 놓이고, 강의와 tinygrad_lite는 그곳의 미분값을 "
    "0으로 둡니다. > 0을 쓰십시오. 채점에 쓰는 점수에는 마진이 정확히 0인 경우가 들어 "
    "있습니다.",
    "svm_loss_backward.forgot_correct_class": "정답 클래스의 점수를 빠뜨렸습니다. 정답 "
    "클래스의 점수는 세어진 마진마다 -s_y로 들어 있으므로, "
    "dscores[i, y] = -(세어진 마진의 개수)입니다.",
    "svm_loss_backward.no_mean": "N으로 나누지 않았습니다. 손실은 배치에 대한 평균입니다.",
    # ------------------------------------------------------------ 10. MSE
    "mse_backward.summary": "평균제곱오차의 pred에 대한 기울기",
    "mse_backward.prompt": "L = mean((pred - target)**2)이며, 평균은 pred(모양은 상관없음)의 "
    "모든 원소에 대해 구합니다. pred와 같은 모양인 dpred = dL/dpred를 반환하십시오.",
    "mse_backward.todo": "dpred는 pred와 모양이 같고, 평균은 모든 원소에 대해 구합니다",
    "mse_backward.hint1": "각 원소는 합의 한 항에만 나타납니다. 평균은 그 합을 항의 개수로 "
    "나눈 것입니다.",
    "mse_backward.hint2": "d(pred - target)**2 / dpred = 2 * (pred - target)이고, 평균은 행의 "
    "수가 아니라 원소 pred.size개에 대한 것입니다.",
    "mse_backward.hint3": "dpred = 2 * (pred - target) / pred.size입니다.",
    "mse_backward.forgot_two": "제곱에서 나오는 2가 빠졌습니다. (pred - target) / size는 "
    "MSE의 절반, 즉 다른 손실의 기울기입니다.",
    "mse_backward.divided_by_rows": "원소의 개수 pred.size가 아니라 행의 개수 len(pred)로 "
    "나누었습니다. 평균은 모든 원소에 대한 것입니다.",
    "mse_backward.no_mean": "원소의 개수로 나누지 않았습니다. 이것은 제곱 오차를 모두 "
    "더한 손실의 기울기입니다.",
    # ------------------------------------------------------------ 11. Momentum
    "momentum_update.summary": "모멘텀을 쓰는 SGD의 한 단계",
    "momentum_update.prompt": "모멘텀을 쓰는 SGD는 가중치마다 속도 v를 둡니다. lr은 "
    "학습률, momentum은 모멘텀 계수입니다.\n"
    "v_new = momentum * v - lr * g;  w_new = w + v_new.\n"
    "(w_new, v_new)를 새 배열로 반환하십시오. w와 v를 그 자리에서 바꾸면 안 됩니다.",
    "momentum_update.todo": "(w_new, v_new)를 새 배열로 반환하십시오",
    "momentum_update.hint1": "먼저 속도를 갱신하고, 그다음 새 속도만큼 가중치를 옮기십시오.",
    "momentum_update.hint2": "속도는 momentum을 곱한 만큼 줄어들고, 기울기의 반대 방향으로 "
    "한 걸음(-lr * g) 나아갑니다.",
    "momentum_update.hint3": "v_new = momentum * v - lr * g로 속도를 갱신하고, "
    "w_new = w + v_new로 가중치를 옮깁니다.",
    "momentum_update.plus_sign": "속도에 기울기를 더했습니다(momentum * v + lr * g). 그러면 "
    "오르막으로 올라갑니다. 경사 하강법은 기울기를 뺍니다: momentum * v - lr * g.",
    "momentum_update.old_velocity": "w를 새 속도가 아니라 이전 속도 v만큼 옮겼습니다. v를 "
    "먼저 갱신한 뒤 w_new = w + v_new를 계산하십시오.",
    "momentum_update.forgot_momentum": "이전 속도에 momentum을 곱하지 않았습니다"
    "(v - lr * g). 이렇게 줄여 주지 않으면 속도가 지난 기울기를 영영 잊지 않습니다.",
    "momentum_update.lr_on_velocity": "학습률 lr을 기울기가 아니라 속도에 곱했습니다"
    "(v = momentum * v - g; w += lr * v). 속도가 0이 아니면 다른 방법이 됩니다.",
    # ------------------------------------------------------------ 12. Adam
    "adam_update.summary": "편향 보정을 포함한 Adam의 한 단계",
    "adam_update.prompt": "Adam은 가중치마다 지수이동평균 두 개를 두고, 0에서 출발하는 이 "
    "평균들을 보정합니다. t번째 단계(첫 단계에서 t = 1)는 다음과 같습니다.\n"
    "m_new = beta1 * m + (1 - beta1) * g;  v_new = beta2 * v + (1 - beta2) * g**2\n"
    "m_hat = m_new / (1 - beta1**t);  v_hat = v_new / (1 - beta2**t)\n"
    "w_new = w - lr * m_hat / (sqrt(v_hat) + eps)\n"
    "(w_new, m_new, v_new)를 새 배열로 반환하십시오. 평균은 보정하기 전의 값입니다.",
    "adam_update.todo": "(w_new, m_new, v_new)를 새 배열로 반환하십시오",
    "adam_update.hint1": "m은 모멘텀에 해당하는 부분이고, v는 RMSProp에 해당하는 "
    "부분입니다. 보정은 각각을 1 - beta**t로 나눕니다.",
    "adam_update.hint2": "t는 1부터 셉니다. t = 1이면 1 - beta1**1 = 1 - beta1입니다. eps는 "
    "제곱근을 구한 다음에 더합니다.",
    "adam_update.hint3": "문제에 적힌 다섯 줄을 그 순서대로 계산하십시오. w_new와 함께, "
    "보정하기 전의 m_new와 v_new를 반환합니다.",
    "adam_update.no_bias_correction": "편향 보정이 없습니다. m과 v는 0에서 출발하므로, "
    "각각을 1 - beta**t로 나누지 않으면 처음 몇 단계의 보폭이 너무 작아집니다.",
    "adam_update.eps_inside_sqrt": "eps가 제곱근 안에 있습니다(sqrt(v_hat + eps)). Adam은 "
    "eps를 제곱근 밖에서 더합니다: sqrt(v_hat) + eps. v_hat이 eps에 비해 작을 때 차이가 "
    "드러납니다.",
    "adam_update.t_from_zero": "편향 보정에서 단계를 0부터 셌습니다(beta**(t - 1)). 그러면 "
    "첫 단계에서 1 - beta**0 = 0이 되어 0으로 나누게 됩니다. 첫 단계에서 t는 1입니다.",
    "adam_update.t_plus_one": "편향 보정에 beta**(t + 1)을 썼습니다. 첫 단계에서 t는 이미 "
    "1이므로 beta**t를 쓰십시오.",
    "adam_update.corrected_state": "보정한 m_hat과 v_hat을 새 상태로 반환했습니다. 상태로는 "
    "보정하기 전의 평균 m_new와 v_new를 보관하고, 보정은 단계마다 새로 계산합니다.",
    "adam_update.g_not_squared": "v에서 g**2가 아니라 g를 평균했습니다. v는 기울기 제곱의 "
    "평균(RMSProp 부분)입니다.",
    "adam_update.no_sqrt": "v_hat의 제곱근이 빠졌습니다. 보폭을 정할 때는 기울기 제곱 "
    "평균의 제곱근(RMS)에 eps를 더한 값, 즉 sqrt(v_hat) + eps로 나눕니다.",
    # ------------------------------------------------------------ 13. He initialization
    "he_init_std.summary": "He 초기화의 표준편차",
    "he_init_std.prompt": "입력이 fan_in개이고 뒤에 ReLU가 오는 층에서, 가중치를 He 초기화의 "
    "표준편차 std를 쓰는 정규 분포 N(0, std**2)에서 뽑으면 층을 지나도 활성화 값의 분산이 "
    "유지됩니다. 주어진 fan_in에 대한 그 std를 float로 반환하십시오.\n"
    "ReLU는 입력의 절반을 0으로 만들어 분산을 반으로 줄이는데, He 초기화는 그만큼을 "
    "채워 줍니다.",
    "he_init_std.todo": "표준편차를 float로 반환하십시오",
    "he_init_std.hint1": "Var(fan_in개 항 w * x의 합) = fan_in * Var(w) * E[x**2]이고, "
    "ReLU는 E[x**2]를 반으로 줄입니다.",
    "he_init_std.hint2": "분산이 유지되려면 fan_in * Var(w) / 2 = 1이어야 합니다. 답은 "
    "표준편차, 즉 분산의 제곱근입니다.",
    "he_init_std.hint3": "Var(w) = 2 / fan_in이므로 std = sqrt(2 / fan_in)입니다.",
    "he_init_std.lecun_or_xavier": "이것은 sqrt(1 / fan_in), 즉 LeCun 초기화의 "
    "표준편차입니다(fan_out = fan_in이면 Xavier 초기화의 sqrt(2 / (fan_in + fan_out))와도 "
    "같고, 강의 자료에 따라서는 이것을 Xavier라고 부르기도 합니다). 이 값들은 tanh에 "
    "알맞습니다. ReLU는 입력의 절반을 0으로 만들기 때문에 He 초기화는 분산을 두 배로 "
    "잡습니다: sqrt(2 / fan_in).",
    "he_init_std.variance_not_std": "이것은 표준편차가 아니라 분산 2 / fan_in입니다. "
    "제곱근을 구하십시오.",
    "he_init_std.uniform_bound": "sqrt(6 / fan_in)은 균등 분포 U(-a, a)를 쓰는 He 초기화의 "
    "경계 a이며, 정규 분포를 쓰는 He 초기화의 표준편차가 아닙니다.",
    "he_init_std.no_sqrt_of_fan_in": "sqrt(2) / fan_in은 fan_in의 제곱근이 아니라 fan_in "
    "자체로 나눈 값입니다. std = sqrt(2 / fan_in)입니다.",
}
