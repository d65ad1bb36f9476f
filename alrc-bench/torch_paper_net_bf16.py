"""The PyTorch reference step (shared/bench/torch_paper_net.py) in PyTorch's fastest CPU recipe:
torch.autocast("cpu", dtype=torch.bfloat16) around the forward pass, with the model and the input in
torch.channels_last; the same network, loss, ALRC and Adam. Under autocast the convolutions run in
bfloat16 (weights cast per step from the float32 parameters), the network's output is cast to
float32 before the loss, and the loss, ALRC's statistics, the gradients of the parameters and
Adam's state stay float32.
Usage: python3 torch_paper_net_bf16.py BATCH STEPS [THREADS] [alrc|none] [quartic|squared]"""
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
bs, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
use_alrc = (sys.argv[4] if len(sys.argv) > 4 else "alrc") == "alrc"
p = 4 if (sys.argv[5] if len(sys.argv) > 5 else "quartic") == "quartic" else 2
torch.manual_seed(0)
class Res(nn.Module):
    def __init__(s):
        super().__init__(); s.a = nn.Conv2d(128,128,3,padding=1); s.b = nn.Conv2d(128,128,3,padding=1)
    def forward(s, x): return x + F.relu(s.b(F.relu(s.a(x))))
net = nn.Sequential(nn.Conv2d(3,64,5,padding=2), nn.ReLU(), nn.Conv2d(64,128,3,padding=1), nn.ReLU(),
                    Res(), Res(), Res(), nn.Conv2d(128,64,3,padding=1), nn.ReLU(), nn.Conv2d(64,3,5,padding=2))
net = net.to(memory_format=torch.channels_last)
assert sum(q.numel() for q in net.parameters()) == 1042819
opt = torch.optim.Adam(net.parameters(), 0.1/128)
mu1, mu2, n, beta = 25.0, 900.0, 3.0, 0.999
x = torch.randn(bs,3,32,32)
lq = F.interpolate(F.interpolate(x, size=16, mode="bilinear", align_corners=True), size=32, mode="bilinear", align_corners=True)
x = x.contiguous(memory_format=torch.channels_last); lq = lq.contiguous(memory_format=torch.channels_last)
for s in range(steps + 3):
    if s == 3: t0 = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = net(lq)
    per = 25 * ((out.float() - x) ** p).mean(dim=(1,2,3))
    per = torch.where(per < 50, per, torch.sqrt(per))
    if use_alrc:
        lmax = mu1 + n * max(mu2 - mu1*mu1, 0.0) ** 0.5
        d = per.detach()
        scale = torch.where(d < lmax, torch.ones_like(d), lmax / d)
        per = per * scale
        c = per.detach(); mu1 = beta*mu1 + (1-beta)*c.mean().item(); mu2 = beta*mu2 + (1-beta)*(c*c).mean().item()
    opt.zero_grad(); per.mean().backward(); opt.step()
assert per.dtype == torch.float32 and all(q.grad.dtype == torch.float32 for q in net.parameters())
dt = time.perf_counter() - t0
print(f"torch {torch.__version__} bs={bs} alrc={use_alrc} cl=on bf16=on imgs/s={steps*bs/dt:.1f}")
