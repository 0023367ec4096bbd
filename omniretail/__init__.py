"""omniretail — omnichannel retail operations for tobacco-and-liquor and convenience chains."""

__version__ = "0.1.0"
