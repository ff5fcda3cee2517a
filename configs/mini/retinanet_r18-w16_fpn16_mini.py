# Plain student of the heterogeneous mini pair: the quarter-width backbone
# with a 16-channel FPN and one head conv (the teacher's FPN has 64), so a
# distiller needs connectors. Its distillation configs are in heterogeneous/.
_base_ = [
    './_base_/models/mini_retinanets.py', './_base_/mini_coco_detection.py',
    './_base_/schedule_mini.py', './_base_/mini_runtime.py'
]
model = {{_base_.student_narrow}}
