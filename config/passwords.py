"""Password rules of our own: Django's minimum-length check with its error message in Chinese."""

from django.contrib.auth.password_validation import MinimumLengthValidator


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django 5.2's "too short" message has no Chinese translation (its catalogue still carries the
    wording of an older release), so the password change page would show it in English."""

    def get_error_message(self):
        return f"密码太短：至少需要 {self.min_length} 个字符。"
