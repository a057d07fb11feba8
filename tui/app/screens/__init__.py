"""The app's screens: the dashboard, and the modal help, alert history and record detail views."""
