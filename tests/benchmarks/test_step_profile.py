"""Attributing a step's time to its parts: forward by range, backward by
the autograd nodes a part's forward created."""
import torch
import torch.nn.functional as F
from torch import nn

from hgd_mm_dev.benchmarks.step_profile import marked, profile_step


class Teacher(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def extract_feat(self, x):
        return self.conv(x)


class Distiller(nn.Module):
    """A heavy connector, a trivial loss: the connector must dominate."""

    def __init__(self):
        super().__init__()
        self.stage_connectors = nn.ModuleDict(
            {'s': nn.Sequential(*[nn.Linear(256, 256) for _ in range(8)])})
        self.imitation_loss = nn.MSELoss()

    def normalize(self, x):
        return x

    def compute_distill_losses(self, student, teacher):
        aligned = self.stage_connectors['s'](student)
        return self.imitation_loss(self.normalize(aligned), teacher)


class ToyDistill(nn.Module):
    """The parts ``mark_parts`` looks for, on a toy scale."""

    def __init__(self):
        super().__init__()
        self.data_preprocessor = nn.Identity()
        self.teacher = Teacher().requires_grad_(False)
        self.student = nn.Linear(256, 256)
        self.distiller = Distiller()

    def parse_losses(self, losses):
        return sum(losses.values())


class ToyOptimWrapper:

    def __init__(self, params):
        self.optimizer = torch.optim.SGD(params, lr=0.0)

    def backward(self, loss):
        loss.backward()

    def step(self):
        self.optimizer.step()

    def zero_grad(self):
        self.optimizer.zero_grad()


def test_parts_forward_and_backward_are_attributed():
    torch.manual_seed(0)
    model = ToyDistill()
    wrapper = ToyOptimWrapper(
        list(model.student.parameters()) +
        list(model.distiller.parameters()))
    image, features = torch.randn(2, 3, 16, 16), torch.randn(512, 256)

    def step():
        inputs = model.data_preprocessor(features)
        with torch.no_grad():
            model.teacher.extract_feat(image)
        student = model.student(inputs)
        losses = {'loss': model.distiller.compute_distill_losses(
            student, features)}
        loss = model.parse_losses(losses)
        wrapper.backward(loss)
        wrapper.step()
        wrapper.zero_grad()

    rows = {r['part']: r for r in profile_step(step, model, wrapper, 3)}
    connectors = rows['distillation: connectors']
    assert connectors['forward_ms'] > 0 and connectors['backward_ms'] > 0
    # eight 256 x 256 layers against one: the connector's backward is the
    # bulk of the backward, and it is counted as the connector's
    assert connectors['backward_ms'] > rows['backward (rest)']['backward_ms']
    assert connectors['share'] == max(r['share'] for r in rows.values())
    assert rows['teacher forward']['backward_ms'] == 0
    assert rows['student forward + detection loss']['backward_ms'] > 0
    assert abs(sum(r['share'] for r in rows.values()) - 1) < 1e-9


class StandardisingDistiller(Distiller):
    """A standardisation preceded, outside its range, by ops that create no
    autograd node (views of the teacher's features, which need no gradient)
    but carry the number the standardisation's node then takes, as the
    reshapes before HGD's standardisation in fp32."""

    def normalize(self, x):
        return F.batch_norm(x, None, None, training=True)

    def compute_distill_losses(self, student, teacher):
        aligned = self.stage_connectors['s'](student)
        teacher = teacher.reshape(-1).reshape(teacher.shape)
        return self.imitation_loss(self.normalize(aligned), teacher)


def test_a_node_counts_for_the_part_whose_op_created_it():
    torch.manual_seed(0)
    model = ToyDistill()
    model.distiller = StandardisingDistiller()
    wrapper = ToyOptimWrapper(list(model.parameters()))
    features = torch.randn(512, 256)

    def step():
        student = model.student(model.data_preprocessor(features))
        loss = model.parse_losses({'loss': model.distiller.
                                   compute_distill_losses(student, features)})
        wrapper.backward(loss)
        wrapper.step()
        wrapper.zero_grad()

    rows = {r['part']: r for r in profile_step(step, model, wrapper, 2)}
    assert rows['distillation: standardisation']['backward_ms'] > 0


def test_marks_leave_nothing_behind():
    model = ToyDistill()
    with marked(model.teacher, 'extract_feat', 'teacher forward'):
        assert 'extract_feat' in vars(model.teacher)
    assert 'extract_feat' not in vars(model.teacher)  # the class's again
    own = model.distiller.normalize = lambda x: x + 1  # an instance attribute
    with marked(model.distiller, 'normalize', 'x'):
        pass
    assert model.distiller.normalize is own
