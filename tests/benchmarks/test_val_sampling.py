"""val_sampling: scores on resampled val images, and the variance split."""
import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from hgd_mm_dev.benchmarks.val_sampling import (ResampledCocoEval,
                                                sampling_summary)


def coco_files(tmp_path, images, name='gt'):
    """A ground truth and detections for ``images``: per image id a list of
    (category, box, [(detected box, score), ...])."""
    gt = dict(images=[], annotations=[],
              categories=[dict(id=1, name='a'), dict(id=2, name='b')])
    dets = []
    for image_id, objects in images.items():
        gt['images'].append(dict(id=image_id, width=100, height=100))
        for category, box, found in objects:
            gt['annotations'].append(dict(
                id=len(gt['annotations']) + 1, image_id=image_id,
                category_id=category, bbox=box, area=box[2] * box[3],
                iscrowd=0))
            dets += [dict(image_id=image_id, category_id=category, bbox=b,
                          score=s) for b, s in found]
    (tmp_path / f'{name}.json').write_text(json.dumps(gt))
    (tmp_path / f'{name}_dets.json').write_text(json.dumps(dets))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(tmp_path / f'{name}.json'))
    return coco, str(tmp_path / f'{name}_dets.json')


def plain_map(coco, dets, image_ids=None):
    """The slow obvious reference: pycocotools from scratch."""
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(coco, coco.loadRes(dets), 'bbox')
        if image_ids is not None:
            ev.params.imgIds = image_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats[0] * 100


IMAGES = {
    1: [(1, [10, 10, 20, 20], [([11, 10, 20, 20], 0.9)])],
    2: [(1, [30, 30, 40, 20], [([50, 50, 10, 10], 0.8)]),
        (2, [5, 5, 60, 60], [([5, 6, 58, 60], 0.7)])],
    3: [(2, [20, 20, 30, 30], [([22, 20, 30, 31], 0.95),
                               ([60, 60, 10, 10], 0.6)])],
    4: [(1, [40, 40, 30, 30], [([40, 42, 30, 28], 0.5)])],
}


def test_a_subset_scores_as_pycocotools_on_that_subset(tmp_path):
    coco, dets = coco_files(tmp_path, IMAGES)
    scorer = ResampledCocoEval(coco, dets)
    assert scorer.image_ids == [1, 2, 3, 4]
    assert scorer.score([0, 1, 2, 3]) == pytest.approx(plain_map(coco, dets))
    for subset in ([0, 2], [1, 3], [1, 2, 3]):
        ids = [scorer.image_ids[i] for i in subset]
        assert scorer.score(subset) == pytest.approx(
            plain_map(coco, dets, ids))


def test_an_image_drawn_twice_counts_as_two_copies_of_it(tmp_path):
    coco, dets = coco_files(tmp_path, IMAGES)
    scorer = ResampledCocoEval(coco, dets)
    # the reference: a ground truth in which images 2 and 4 stand twice
    copies = {1: IMAGES[1], 2: IMAGES[2], 12: IMAGES[2], 4: IMAGES[4],
              14: IMAGES[4]}
    coco2, dets2 = coco_files(tmp_path, copies, name='copies')
    drawn = [0, 1, 1, 3, 3]
    assert scorer.score(drawn) == pytest.approx(plain_map(coco2, dets2))
    assert scorer.score(drawn) != pytest.approx(scorer.score([0, 1, 3]))


def test_the_sampling_part_is_half_the_variance_of_seed_differences():
    rng = np.random.default_rng(1)
    common = rng.normal(0, 1.0, 400)  # hard images: every model alike
    particular = rng.normal(0, 0.3, (400, 3))
    quality = np.array([30.0, 31.0, 32.0])
    resampled = quality + common[:, None] + particular
    summary = sampling_summary(quality.tolist(), resampled)
    diffs = [np.var(resampled[:, i] - resampled[:, j], ddof=1)
             for i, j in ((0, 1), (0, 2), (1, 2))]
    assert summary['sampling_std'] == pytest.approx((np.mean(diffs) / 2) ** .5)
    assert summary['sampling_std'] == pytest.approx(0.3, abs=0.03)
    assert summary['bootstrap_std'] == pytest.approx(1.04, abs=0.1)
    assert summary['seed_std'] == pytest.approx(1.0)
    share = summary['sampling_std'] ** 2
    assert summary['sampling_share'] == pytest.approx(share)
    assert summary['std_at_4x_val'] == pytest.approx(
        (1.0 - share + share / 4) ** 0.5)
    with pytest.raises(ValueError, match='two seeds'):
        sampling_summary([30.0], resampled[:, :1])
