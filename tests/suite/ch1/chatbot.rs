//! Tests of the exercise `chatbot` (to be written).
