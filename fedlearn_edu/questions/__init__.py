"""The exercises of each lesson: ``from fedlearn_edu.questions.lesson02 import q1, q2``."""
