"""How much of a method's seed spread on ``val`` is the val set's finite
size (``tools/benchmarks/val_sampling.py``; issue "Benchmark v3", item 3).

A seed's mAP on the fixed val images is its model's quality plus an error
particular to that model on those images; only that error shrinks with more
val images. A bootstrap over the val images measures it: every run's
predictions are scored on the same resamples of the images (drawn with
replacement), and the spread over resamples of the difference between two
seeds of one method is twice the model-particular sampling variance
``v`` (the part common to both models, such as a hard image, cancels in
the difference; it moves every method alike and so never widens a
comparison). With ``M`` times the val images the seed variance would be
``s^2 - v + v / M`` (``s``: the observed seed std).

The runs are those of an accuracy study's work dir; their predictions are
written once by ``tools/test.py`` from each run's last checkpoint and its
config as run, and checked against the mAP the run logged.
"""
import argparse
import contextlib
import copy
import glob
import io
import itertools
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..mini import runs as mini_runs
from ..mini.paths import DATA_ROOT, REPO, RESULTS

__all__ = ['ResampledCocoEval', 'sampling_summary', 'parse_args', 'main']


class ResampledCocoEval:
    """One set of detections, matched to the ground truth once
    (``COCOeval.evaluate``), scored on any multiset of the images.

    ``accumulate`` reads the per-image matches ``evalImgs`` (category x
    area x image); a resample is the same matches in the order of the
    resampled images, a drawn-twice image counted twice.

    Args:
        gt: the ground truth (``pycocotools.coco.COCO``).
        detections: the COCO results file of one model.
    """

    def __init__(self, gt, detections: str) -> None:
        from pycocotools.cocoeval import COCOeval
        with contextlib.redirect_stdout(io.StringIO()):
            self.eval = COCOeval(gt, gt.loadRes(detections), 'bbox')
            self.eval.evaluate()
        params = self.eval.params
        self.image_ids = list(params.imgIds)
        self.shape = (len(params.catIds), len(params.areaRng),
                      len(self.image_ids))

    def score(self, images: Sequence[int]) -> float:
        """bbox mAP (%) on the images at these positions of ``image_ids``
        (repeats allowed)."""
        cats, areas, count = self.shape
        scored = copy.copy(self.eval)
        scored.params = copy.deepcopy(self.eval.params)
        scored.params.imgIds = [self.image_ids[i] for i in images]
        scored._paramsEval = copy.deepcopy(scored.params)
        matches = self.eval.evalImgs
        scored.evalImgs = [matches[(k * areas + a) * count + i]
                           for k in range(cats) for a in range(areas)
                           for i in images]
        with contextlib.redirect_stdout(io.StringIO()):
            scored.accumulate()
            scored.summarize()
        return float(scored.stats[0] * 100)


def sampling_summary(full: Sequence[float],
                     resampled: np.ndarray) -> Dict[str, float]:
    """One method's seed spread and its val-sampling part.

    Args:
        full: each seed's mAP on all val images.
        resampled: (resamples, seeds) mAPs on shared resamples.

    Returns:
        ``seeds``, ``seed_std`` (sample std of ``full``),
        ``bootstrap_std`` (a single model's mAP over resamples, mean over
        seeds), ``sampling_std`` (sqrt of ``v``: half the variance over
        resamples of a difference between two seeds, mean over pairs),
        ``sampling_share`` (``v / seed_std^2``) and ``std_at_4x_val``.
    """
    seeds = len(full)
    if seeds < 2:
        raise ValueError('a seed spread needs at least two seeds')
    seed_var = float(np.var(full, ddof=1))
    pairs = [np.var(resampled[:, i] - resampled[:, j], ddof=1) / 2
             for i, j in itertools.combinations(range(seeds), 2)]
    sampling_var = float(np.mean(pairs))
    return dict(
        seeds=seeds, seed_std=seed_var ** 0.5,
        bootstrap_std=float(np.mean(np.std(resampled, axis=0, ddof=1))),
        sampling_std=sampling_var ** 0.5,
        sampling_share=sampling_var / seed_var if seed_var else float('nan'),
        std_at_4x_val=max(seed_var - sampling_var + sampling_var / 4,
                          0.0) ** 0.5)


def run_checkpoint(run_dir: str) -> str:
    """The last checkpoint a run saved."""
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        path = f.read().strip()
    return path if osp.isabs(path) else osp.join(run_dir, path)


def run_config(run_dir: str) -> str:
    """The config a run dumped into its work dir (its options applied)."""
    configs = glob.glob(osp.join(run_dir, '*.py'))
    if len(configs) != 1:
        raise FileNotFoundError(
            f'{run_dir}: expected the one config tools/train.py dumps, '
            f'found {configs}; give the work dir of an accuracy study.')
    return configs[0]


def predictions(run: dict, work_dir: str, data_root: str) -> str:
    """The run's val predictions (a COCO results file), written once by
    ``tools/test.py``; its mAP must be the run's."""
    run_dir = osp.join(work_dir, f'{run["method"]}_val_seed{run["seed"]}')
    out = osp.join(work_dir, 'val_sampling', f'{run["method"]}_s{run["seed"]}')
    path = out + '.bbox.json'
    if not osp.exists(path):
        os.makedirs(osp.dirname(out), exist_ok=True)
        metrics = mini_runs.evaluate(
            run_config(run_dir), run_checkpoint(run_dir), out + '_test',
            data_root, env={'HGD_MINI_EVAL_SPLIT': 'val'},
            options={'test_evaluator.outfile_prefix': out})
        if abs(metrics['bbox_mAP'] - run['bbox_mAP']) > 0.05:
            os.remove(path)
            raise RuntimeError(
                f'{run_dir}: its last checkpoint scores '
                f'{metrics["bbox_mAP"]:.1f} mAP, the run logged '
                f'{run["bbox_mAP"]:.1f}: not the checkpoint of the run.')
    return path


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default=osp.join(
        REPO, 'work_dirs', 'bench_accuracy'),
        help='an accuracy study\'s work dir (its runs.json and run dirs)')
    parser.add_argument('--methods', nargs='+', default=['baseline'])
    parser.add_argument('--resamples', type=int, default=200)
    parser.add_argument('--data-root', default=DATA_ROOT)
    parser.add_argument('--out-dir', default=RESULTS)
    parser.add_argument('--out-name', default='val_sampling')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    from pycocotools.coco import COCO
    args = parse_args(argv)
    with open(osp.join(args.work_dir, 'runs.json')) as f:
        stored = json.load(f)
    chosen: Dict[str, List[dict]] = {}
    for run in stored:
        if run['method'] in args.methods and run.get('split') == 'val':
            chosen.setdefault(run['method'], []).append(run)
    missing = [m for m in args.methods if len(chosen.get(m, [])) < 2]
    if missing:
        raise ValueError(f'{args.work_dir}/runs.json: {missing} have fewer '
                         f'than two val runs; a seed spread needs two.')
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(osp.join(args.data_root, 'annotations',
                           'instances_val.json'))
    rng = np.random.default_rng(0)
    evals = {m: [ResampledCocoEval(gt, predictions(r, args.work_dir,
                                                   args.data_root))
                 for r in runs] for m, runs in chosen.items()}
    count = len(next(iter(evals.values()))[0].image_ids)
    everything = list(range(count))
    draws = [rng.integers(0, count, count) for _ in range(args.resamples)]
    methods = {}
    for method, scorers in evals.items():
        full = [s.score(everything) for s in scorers]
        resampled = np.array([[s.score(d) for s in scorers] for d in draws])
        methods[method] = dict(
            seeds_run=[r['seed'] for r in chosen[method]],
            mAP=full, **sampling_summary(full, resampled))
        print(f'[val_sampling] {method}: {methods[method]}', flush=True)
    report = dict(setting=dict(work_dir=osp.relpath(args.work_dir, REPO),
                               resamples=args.resamples, val_images=count,
                               precision=sorted({r.get('precision') for runs
                                                 in chosen.values()
                                                 for r in runs})),
                  methods=methods)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(osp.join(args.out_dir, f'{args.out_name}.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(args.out_dir, f'{args.out_name}.md'), 'w') as f:
        f.write(markdown(report))
    return report


def markdown(report: dict) -> str:
    """The report's table: per method the seed std and its val-sampling
    part."""
    setting = report['setting']
    lines = [f'{setting["val_images"]} val images, {setting["resamples"]} '
             f'bootstrap resamples shared by every run. Standard deviations '
             f'in mAP.', '',
             '| method | seeds | seed std | one model over resamples | '
             'val-sampling part of a seed | share of the seed variance | '
             'seed std with 4x the val images |',
             '|---|---|---|---|---|---|---|']
    for method, m in report['methods'].items():
        lines.append(
            f'| {method} | {m["seeds"]} | {m["seed_std"]:.2f} | '
            f'{m["bootstrap_std"]:.2f} | {m["sampling_std"]:.2f} | '
            f'{100 * m["sampling_share"]:.0f}% | {m["std_at_4x_val"]:.2f} |')
    return '\n'.join(lines) + '\n'
