"""The Qt window: a thin skin over shopcrm.core and shopcrm.io."""
