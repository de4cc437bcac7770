"""Placeholder until the local slices issue lands."""

import streamlit as st

st.title("Coming soon")
